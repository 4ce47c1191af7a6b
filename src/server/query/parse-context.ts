/**
 * What every parse function needs besides the JSON: the schema, the clock for templates, the
 * hard limit, and where to put warnings.
 */
import type { SchemaLookup } from "../../lib/index.ts";
import type { PlanWarning } from "./plan.ts";
import type { TemplateClock } from "./template.ts";

export interface ParseContext {
  lookup: SchemaLookup;
  clock: TemplateClock;
  hardLimit: number;
  warnings: PlanWarning[];
  warn(path: string, code: string, message: string): void;
}

/** A query may nest filterOut queries at most this deep. */
export const filterOutDepthMax = 4;
/** At most this many queries in one body (array, union, multi-query, together). */
export const queriesPerBodyMax = 256;
export const stepsPerQueryMax = 32;
export const paramsPerStepMax = 256;
export const srcVertexIdsMax = 10_000;
/** Warnings kept per plan; a body full of mistakes must not grow memory without bound. */
export const warningsMax = 100;

export function newParseContext(lookup: SchemaLookup, clock: TemplateClock, hardLimit: number): ParseContext {
  const warnings: PlanWarning[] = [];
  return {
    lookup, clock, hardLimit, warnings,
    warn(path, code, message) {
      if (warnings.length < warningsMax) warnings.push({ path, code, message: `${path}: ${message}` });
    },
  };
}
