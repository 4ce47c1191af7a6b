/**
 * Per-label and per-column prop checkers: valibot schemas built at run time from the registry.
 *
 * A checker is compiled once per label (or service column) and kept until the registry's
 * `version` changes; then the whole cache is dropped and checkers are rebuilt on demand. The
 * cache hangs off the `SchemaLookup` object itself (a WeakMap), so callers pass the same
 * long-lived lookup and never manage the cache.
 *
 * Rules the schemas encode:
 * - every prop value is normalised by `coerceValue` to its data type (`invalid_prop_type`);
 * - a `null` value means "not given" (S2Graph drops nulls);
 * - props the label does not define are `unknown_prop`, unless the label's `extraProps` is
 *   `"drop"` (columns always reject); names starting with `_` are S2Graph's system props
 *   (`_timestamp`, `_from`, ... which S2Graph's own query results carry) and are dropped;
 * - an increment takes numeric props only.
 */
import * as v from "valibot";
import { coerceValue, type ColumnDef, type DataType, type LabelDef, type PropDef, type PropValue, type SchemaLookup } from "../../lib/index.ts";
import type { RowErrorCode } from "./types.ts";

export type Props = Record<string, PropValue>;

export type PropsOutcome = { ok: true; props: Props } | { ok: false; code: RowErrorCode; message: string };

type PropsSchema = v.GenericSchema<unknown, Props>;

export interface LabelChecker {
  readonly def: LabelDef;
  /** Checks and normalises props for insert, update and insertBulk (`increment: false`) or increment. */
  props(raw: unknown, increment: boolean): PropsOutcome;
}

export interface ColumnChecker {
  readonly def: ColumnDef;
  props(raw: unknown): PropsOutcome;
}

const numericTypes: ReadonlySet<DataType> = new Set(["long", "integer", "short", "byte", "float", "double"]);

function preview(value: unknown): string {
  const text = typeof value === "string" ? JSON.stringify(value) : typeof value === "object" ? (Array.isArray(value) ? "an array" : "an object") : String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function propSchema(prop: PropDef, increment: boolean) {
  const { name, dataType } = prop;
  const refuseIncrement = increment && !numericTypes.has(dataType);
  return v.optional(
    v.pipe(
      v.unknown(),
      v.rawTransform<unknown, PropValue | undefined>(({ dataset, addIssue, NEVER }) => {
        const value = dataset.value;
        // A function is a member inherited from Object.prototype (a prop named `constructor`
        // that the row does not carry): JSON never holds one, so it is "not given".
        if (value === null || value === undefined || typeof value === "function") return undefined;
        if (refuseIncrement) {
          addIssue({ message: `prop ${name} is a ${dataType}: increment takes numeric props only` });
          return NEVER;
        }
        const coerced = coerceValue(value, dataType);
        if (coerced === undefined) {
          addIssue({ message: `prop ${name} must be a ${dataType}, got ${preview(value)}` });
          return NEVER;
        }
        return coerced;
      }),
    ),
  );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Drops the keys whose value came out `undefined` (null or absent in the input). */
function compact(value: Record<string, PropValue | undefined>): Props {
  for (const key in value) if (value[key] === undefined) delete value[key];
  return value as Props;
}

function buildPropsSchema(props: readonly PropDef[], increment: boolean, rejectExtra: boolean): PropsSchema {
  // Entries in sorted name order: valibot builds its output in entry order, so props come out
  // with sorted keys, which is the canonical form the mutation id hashes (mutation-id.ts).
  const entries: Record<string, ReturnType<typeof propSchema>> = {};
  for (const prop of [...props].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) entries[prop.name] = propSchema(prop, increment);
  const known = new Set(props.map((p) => p.name));
  const object = v.object(entries);
  const base = v.custom<Record<string, unknown>>(isPlainObject, "props must be a JSON object");
  if (!rejectExtra) return v.pipe(base, object, v.transform(compact)) as PropsSchema;
  const noExtra = v.rawCheck<Record<string, unknown>>(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    for (const key in dataset.value) {
      if (!known.has(key) && key.charCodeAt(0) !== 0x5f) {
        addIssue({ message: `prop ${JSON.stringify(key)} is not defined` });
      }
    }
  });
  return v.pipe(base, noExtra, object, v.transform(compact)) as PropsSchema;
}

// Resolved once: `v.safeParse` would merge the global config on every call.
const parseConfig = v.getGlobalConfig({ abortEarly: false, abortPipeEarly: false });

function runProps(schema: PropsSchema, raw: unknown, where: string): PropsOutcome {
  if (raw === undefined || raw === null) raw = {};
  const dataset = schema["~run"]({ value: raw }, parseConfig);
  if (!dataset.issues) return { ok: true, props: dataset.value as Props };
  const issues = dataset.issues;
  const first = issues[0];
  const code: RowErrorCode = first.type === "raw_check" ? "unknown_prop" : first.type === "raw_transform" ? "invalid_prop_type" : "invalid_props";
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : "";
  const message = code === "unknown_prop" ? `${first.message} on ${where}${more}` : `${first.message}${more}`;
  return { ok: false, code, message };
}

function compileLabel(def: LabelDef): LabelChecker {
  const rejectExtra = def.extraProps !== "drop";
  const set = buildPropsSchema(def.props, false, rejectExtra);
  const increment = buildPropsSchema(def.props, true, rejectExtra);
  const where = `label ${def.label}`;
  return { def, props: (raw, isIncrement) => runProps(isIncrement ? increment : set, raw, where) };
}

function compileColumn(def: ColumnDef): ColumnChecker {
  const schema = buildPropsSchema(def.props, false, true);
  const where = `column ${def.serviceName}.${def.columnName}`;
  return { def, props: (raw) => runProps(schema, raw, where) };
}

/** Compiled checkers for one registry, rebuilt whenever `lookup.version` changes. */
export class Checkers {
  private version: number;
  // Only known names are cached: a flood of made-up names must not grow the cache.
  private labels = new Map<string, LabelChecker>();
  private columns = new Map<string, ColumnChecker>();

  constructor(private readonly lookup: SchemaLookup) {
    this.version = lookup.version;
  }

  private sync(): void {
    if (this.lookup.version === this.version) return;
    this.version = this.lookup.version;
    this.labels = new Map();
    this.columns = new Map();
  }

  label(name: string): LabelChecker | undefined {
    this.sync();
    let checker = this.labels.get(name);
    if (checker === undefined) {
      const def = this.lookup.label(name);
      if (!def) return undefined;
      checker = compileLabel(def);
      this.labels.set(name, checker);
    }
    return checker;
  }

  column(serviceName: string, columnName: string): ColumnChecker | undefined {
    this.sync();
    const key = `${serviceName}\u0000${columnName}`;
    let checker = this.columns.get(key);
    if (checker === undefined) {
      const def = this.lookup.service(serviceName) ? this.lookup.column(serviceName, columnName) : undefined;
      if (!def) return undefined;
      checker = compileColumn(def);
      this.columns.set(key, checker);
    }
    return checker;
  }
}

const byLookup = new WeakMap<SchemaLookup, Checkers>();

/** The checkers for a registry, cached on the lookup object. */
export function checkersFor(lookup: SchemaLookup): Checkers {
  let checkers = byLookup.get(lookup);
  if (!checkers) {
    checkers = new Checkers(lookup);
    byLookup.set(lookup, checkers);
  }
  return checkers;
}
