/**
 * Parses one label param of a step (`{"label": "friends", "direction": "out", ...}`) into a
 * `LabelParamPlan`, after S2Graph's `RequestParser.parseQueryParam`.
 */
import { EdgeflowError, coerceId, type DataType, type LabelDef, type PropValue } from "../../lib/index.ts";
import { describe, fail, indexPath, isObject, keyPath, optBoolean, optInteger, optNumber, optObject, optString, readRaw, type JsonObject } from "./json-read.ts";
import type { DurationPlan, DuplicatePolicy, IndexPlan, IntervalBound, IntervalPlan, LabelParamPlan, ScorePropagateOp, ScoringWeight, TimeDecayPlan } from "./plan.ts";
import type { ParseContext } from "./parse-context.ts";
import { expandTemplates, TemplateError } from "./template.ts";
import { typedLiteral } from "./values.ts";
import { andAll, fieldAliases, systemFieldType, type Direction, type LabelSide, type WhereAst } from "./where-ast.ts";
import { parseWhere } from "./where-parse.ts";

/** S2Graph's `RequestParser.defaultLimit` (its docs say 10; its code says 100). */
export const defaultLimit = 100;
/** S2Graph's `query.hardlimit` default. */
export const defaultHardLimit = 100_000;

/** Where the param sits: its step's index and the labels of the steps before it, nearest first. */
export interface ParamSite {
  stepIndex: number;
  parents: ReadonlyArray<ReadonlyArray<LabelSide>>;
  labelWeight: number;
}

/** `GraphUtil.toDir`, minus "undirected", which no query can read: a direction's text, or undefined when it names none. */
export function directionOf(text: string): Direction | undefined {
  const d = text.trim().toLowerCase();
  if (d === "out" || d === "o" || d === "directed" || d === "d") return "out";
  if (d === "in" || d === "i") return "in";
  return undefined;
}

function parseDirection(obj: JsonObject, path: string): Direction {
  const raw = optString(obj, "direction", path);
  if (raw === undefined) return "out";
  const direction = directionOf(raw);
  if (direction === undefined) fail("invalid_direction", keyPath(path, "direction"), `must be "out" or "in", got ${describe(raw)}`);
  return direction;
}

/** `_PK` is the label's first index (S2Graph's `LabelIndex.DefaultSeq`), or `_timestamp` alone. */
export function resolveIndex(label: LabelDef, name: string, path: string): IndexPlan {
  const first = label.indices[0];
  if (name === "_PK") return first ? { name: first.name, propNames: [...first.propNames] } : { name: "_PK", propNames: ["_timestamp"] };
  const found = label.indices.find((i) => i.name === name);
  if (!found) {
    const names = ["_PK", ...label.indices.map((i) => i.name)].join(", ");
    fail("unknown_index", path, `label ${label.label} has no index ${JSON.stringify(name)} (it has ${names})`);
  }
  return { name: found.name, propNames: [...found.propNames] };
}

/** The data type of a field name of `label` (system field or prop), or undefined if unknown. */
export function fieldType(label: LabelDef, name: string, direction: Direction): DataType | undefined {
  const system = Object.hasOwn(fieldAliases, name) ? fieldAliases[name] : undefined;
  if (system !== undefined) return systemFieldType(system, label, direction);
  return label.props.find((p) => p.name === name)?.dataType;
}

function canonicalField(name: string): string {
  return Object.hasOwn(fieldAliases, name) ? (fieldAliases[name] as string) : name;
}

function expand(text: string, ctx: ParseContext, path: string): string {
  try {
    return expandTemplates(text, ctx.clock);
  } catch (e) {
    if (e instanceof TemplateError) fail("invalid_template", path, e.message);
    throw e;
  }
}

/** A JSON scalar read for a data type; strings go through the templates first, as S2Graph's `jsValueToInnerVal`. */
function jsonLiteral(value: unknown, dataType: DataType, ctx: ParseContext, path: string): PropValue {
  if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean") {
    fail("invalid_value", path, `must be a ${dataType}, got ${describe(value)}`);
  }
  const typed = typedLiteral(typeof value === "string" ? expand(value, ctx, path) : value, dataType);
  if (typed === undefined) fail("invalid_value", path, `${describe(value)} is not a ${dataType}`);
  return typed;
}

function parseHas(obj: JsonObject, path: string, label: LabelDef, direction: Direction, ctx: ParseContext): WhereAst[] {
  const has = optObject(obj, "has", path);
  if (has === undefined) return [];
  return Object.entries(has).map(([key, value]): WhereAst => {
    const at = keyPath(keyPath(path, "has"), key);
    const dataType = fieldType(label, key, direction);
    if (dataType === undefined) fail("unknown_prop", at, `label ${label.label} has no prop ${JSON.stringify(key)}`);
    return { kind: "compare", op: "=", left: { kind: "prop", depth: 0, name: canonicalField(key), dataType }, right: { kind: "literal", value: jsonLiteral(value, dataType, ctx, at) } };
  });
}

function durationBound(js: JsonObject, key: "from" | "to", path: string, ctx: ParseContext): number | null {
  const at = keyPath(path, key);
  if (!Object.hasOwn(js, key)) fail("missing_field", at, "is required in a duration {from, to}");
  const value = js[key];
  if (typeof value === "number") {
    if (!Number.isFinite(value)) fail("invalid_duration", at, `must be a timestamp in ms, got ${describe(value)}`);
    return Math.trunc(value);
  }
  if (typeof value === "string") {
    const text = expand(value, ctx, at).trim();
    if (!/^-?\d{1,16}$/.test(text) || !Number.isSafeInteger(Number(text))) fail("invalid_duration", at, `must be a timestamp in ms or a template like "\${now - 1 day}", got ${describe(value)}`);
    return Number(text);
  }
  // S2Graph reads anything else (null, true) as an open end: Long.MinValue / Long.MaxValue.
  return null;
}

function parseDuration(obj: JsonObject, path: string, ctx: ParseContext): DurationPlan | null {
  const js = optObject(obj, "duration", path);
  if (js === undefined) return null;
  const at = keyPath(path, "duration");
  const fromMs = durationBound(js, "from", at, ctx);
  const toMs = durationBound(js, "to", at, ctx);
  if (fromMs !== null && toMs !== null && fromMs > toMs) fail("invalid_duration", at, `from (${fromMs}) cannot be larger than to (${toMs})`);
  return { fromMs, toMs };
}

const parentRefPattern = /^\s*((?:_parent\.)+)([A-Za-z0-9_]+)\s*(?:([+-])\s*(\d{1,15})\s*(minutes?|hours?|days?|weeks?)?)?\s*$/i;
const unitMs: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000, week: 604_800_000 };

function intervalValue(value: unknown, dataType: DataType, site: ParamSite, ctx: ParseContext, path: string): IntervalBound["value"] {
  if (typeof value === "string" && value.includes("_parent.")) {
    const inner = value.trim().replace(/^"?\$\{/, "").replace(/\}"?$/, "");
    const m = parentRefPattern.exec(inner);
    if (!m) fail("invalid_interval", path, `cannot read ${describe(value)}; expected "\${_parent.prop}" or "\${_parent.prop - 3 hour}"`);
    const depth = (m[1] ?? "").split("_parent.").length - 1;
    const prop = canonicalField(m[2] ?? "");
    if (depth > site.stepIndex) fail("parent_out_of_range", path, `reaches ${depth} step(s) back, but this step has only ${site.stepIndex} before it`);
    const sides = site.parents[depth - 1] ?? [];
    if (!sides.some((s) => fieldType(s.label, prop, s.direction) !== undefined)) fail("unknown_prop", path, `no label of the step ${depth} back has a prop ${JSON.stringify(prop)}`);
    const count = m[4] === undefined ? 0 : Number(m[4]);
    const unit = m[5] === undefined ? 1 : (unitMs[m[5].toLowerCase().replace(/s$/, "")] ?? 1);
    return { kind: "parent", depth, prop, offset: (m[3] === "-" ? -1 : 1) * count * unit };
  }
  return { kind: "literal", value: jsonLiteral(value, dataType, ctx, path) };
}

/** S2Graph's `extractKv`: an object, or an array of objects, of prop → value. */
function intervalEntries(raw: unknown, path: string): Array<[string, unknown, string]> {
  if (isObject(raw)) return Object.entries(raw).map(([k, v]) => [k, v, keyPath(path, k)]);
  if (Array.isArray(raw)) {
    return raw.flatMap((item, i) => {
      if (!isObject(item)) fail("invalid_interval", indexPath(path, i), `must be an object of prop values, got ${describe(item)}`);
      return Object.entries(item).map(([k, v]): [string, unknown, string] => [k, v, keyPath(indexPath(path, i), k)]);
    });
  }
  fail("invalid_interval", path, `must be an object of prop values, got ${describe(raw)}`);
}

function intervalBounds(raw: unknown, path: string, label: LabelDef, direction: Direction, index: IndexPlan, site: ParamSite, ctx: ParseContext): IntervalBound[] {
  const bounds = intervalEntries(raw, path).map(([key, value, at]) => {
    const prop = canonicalField(key);
    const position = index.propNames.indexOf(prop);
    if (position < 0) fail("invalid_interval", at, `${JSON.stringify(key)} is not a prop of index ${index.name} (${index.propNames.join(", ")})`);
    const dataType = fieldType(label, prop, direction) as DataType;
    return { position, bound: { prop, dataType, value: intervalValue(value, dataType, site, ctx, at) } };
  });
  bounds.sort((a, b) => a.position - b.position);
  bounds.forEach((b, i) => {
    if (b.position !== i) fail("invalid_interval", path, `must name a prefix of index ${index.name} (${index.propNames.join(", ")}), without gaps or repeats`);
  });
  return bounds.map((b) => b.bound);
}

function parseInterval(obj: JsonObject, path: string, label: LabelDef, direction: Direction, index: IndexPlan, site: ParamSite, ctx: ParseContext): IntervalPlan | null {
  const js = optObject(obj, "interval", path);
  if (js === undefined) return null;
  const at = keyPath(path, "interval");
  const from = readRaw(js, "from");
  const to = readRaw(js, "to");
  if (from === undefined || to === undefined) fail("invalid_interval", at, "needs both from and to");
  return {
    from: intervalBounds(from, keyPath(at, "from"), label, direction, index, site, ctx),
    to: intervalBounds(to, keyPath(at, "to"), label, direction, index, site, ctx),
  };
}

function parseScoring(obj: JsonObject, path: string, label: LabelDef, ctx: ParseContext): ScoringWeight[] {
  const js = optObject(obj, "scoring", path);
  if (js === undefined) return [];
  const weights: ScoringWeight[] = [];
  for (const [key, weight] of Object.entries(js)) {
    const at = keyPath(keyPath(path, "scoring"), key);
    if (typeof weight !== "number" || !Number.isFinite(weight)) fail("invalid_type", at, `scoring weight must be a number, got ${describe(weight)}`);
    const prop = canonicalField(key);
    if (prop === "_timestamp" || label.props.some((p) => p.name === prop)) weights.push({ prop, weight });
    else ctx.warn(at, "unknown_scoring_prop", `label ${label.label} has no prop ${JSON.stringify(key)}; ignored, as S2Graph does`);
  }
  return weights;
}

function parseTimeDecay(obj: JsonObject, path: string, label: LabelDef, ctx: ParseContext): TimeDecayPlan | null {
  const js = optObject(obj, "timeDecay", path);
  if (js === undefined) return null;
  const at = keyPath(path, "timeDecay");
  const decayRate = optNumber(js, "decayRate", at) ?? 0.1;
  if (decayRate <= 0 || decayRate >= 1) fail("invalid_decay_rate", keyPath(at, "decayRate"), `must be between 0 and 1 (exclusive), got ${decayRate}`);
  const timeUnit = optNumber(js, "timeUnit", at) ?? 86_400;
  if (timeUnit <= 0) fail("invalid_time_unit", keyPath(at, "timeUnit"), `must be positive, got ${timeUnit}`);
  let propName = canonicalField(optString(js, "propName", at) ?? "_timestamp");
  if (propName !== "_timestamp" && !label.props.some((p) => p.name === propName)) {
    ctx.warn(keyPath(at, "propName"), "unknown_decay_prop", `label ${label.label} has no prop ${JSON.stringify(propName)}; _timestamp is used, as S2Graph does`);
    propName = "_timestamp";
  }
  return { initial: optNumber(js, "initial", at) ?? 1.0, decayRate, timeUnit, propName };
}

function parseDuplicate(obj: JsonObject, path: string, ctx: ParseContext): DuplicatePolicy {
  const raw = optString(obj, "duplicate", path);
  if (raw === undefined) return "first";
  if (raw === "first" || raw === "sum" || raw === "countSum" || raw === "raw") return raw;
  ctx.warn(keyPath(path, "duplicate"), "unknown_duplicate_policy", `${JSON.stringify(raw)} is not first, sum, countSum or raw; first is used, as S2Graph's DuplicatePolicy.apply`);
  return "first";
}

function parseScorePropagateOp(obj: JsonObject, path: string, ctx: ParseContext): ScorePropagateOp {
  const raw = optString(obj, "scorePropagateOp", path);
  if (raw === undefined) return "multiply";
  if (raw === "multiply" || raw === "plus" || raw === "divide") return raw;
  ctx.warn(keyPath(path, "scorePropagateOp"), "unknown_score_propagate_op", `${JSON.stringify(raw)} is not multiply, plus or divide; multiply is used, as S2Graph does`);
  return "multiply";
}

const transformFieldNames = new Set(["_to", "to", "_from", "from", "label", "direction", "_timestamp", "timestamp"]);

function parseTransform(obj: JsonObject, path: string, label: LabelDef): string[][] {
  const outputField = optString(obj, "outputField", path);
  const raw = outputField !== undefined ? [[outputField]] : readRaw(obj, "transform");
  const at = keyPath(path, outputField !== undefined ? "outputField" : "transform");
  if (raw === undefined) return [["_to"]];
  if (!Array.isArray(raw) || raw.length === 0) fail("invalid_transform", at, `must be a non-empty array of field lists like [["_to"]], got ${describe(raw)}`);
  return raw.map((list, i) => {
    const listPath = indexPath(at, i);
    if (!Array.isArray(list) || list.length === 0 || !list.every((f) => typeof f === "string")) {
      fail("invalid_transform", listPath, `must be a non-empty array of strings ([field] or [format, ...fields]), got ${describe(list)}`);
    }
    const fields = list as string[];
    fields.forEach((field, j) => {
      const isFormat = j === 0 && fields.length > 1;
      if (!isFormat && !transformFieldNames.has(field) && !label.props.some((p) => p.name === field)) {
        fail("unknown_prop", indexPath(listPath, j), `label ${label.label} has no prop ${JSON.stringify(field)}`);
      }
    });
    return [...fields];
  });
}

function parseTo(obj: JsonObject, path: string, label: LabelDef, direction: Direction): PropValue | null {
  const raw = readRaw(obj, "_to");
  if (raw === undefined) return null;
  const columnType = direction === "out" ? label.tgtColumnType : label.srcColumnType;
  const id = coerceId(raw, columnType);
  if (id === undefined) fail("invalid_id", keyPath(path, "_to"), `${describe(raw)} is not a ${columnType} id`);
  return id;
}

function parseLimit(obj: JsonObject, path: string, ctx: ParseContext): number {
  const limit = optInteger(obj, "limit", path);
  if (limit === undefined) return Math.min(defaultLimit, ctx.hardLimit);
  return limit < 0 ? ctx.hardLimit : Math.min(limit, ctx.hardLimit);
}

function lookupLabel(obj: JsonObject, path: string, ctx: ParseContext): LabelDef {
  const name = optString(obj, "label", path);
  if (name === undefined) fail("missing_field", keyPath(path, "label"), "every step entry needs a label");
  const label = ctx.lookup.label(name);
  if (!label) throw new EdgeflowError("not_found", "unknown_label", `${keyPath(path, "label")}: label ${JSON.stringify(name)} does not exist`, { path: keyPath(path, "label"), label: name });
  return label;
}

function parseWhereText(obj: JsonObject, path: string, label: LabelDef, direction: Direction, site: ParamSite, ctx: ParseContext): { text: string | null; ast: WhereAst | null } {
  const text = optString(obj, "where", path);
  if (text === undefined) return { text: null, ast: null };
  const ast = parseWhere(text, label, {
    direction, parents: site.parents, maxParentDepth: site.stepIndex, nowMs: ctx.clock.nowMs,
    ...(ctx.clock.randomInt ? { randomInt: ctx.clock.randomInt } : {}), path: keyPath(path, "where"),
  });
  return { text, ast };
}

export function parseLabelParam(raw: unknown, path: string, site: ParamSite, ctx: ParseContext): LabelParamPlan {
  if (!isObject(raw)) fail("invalid_type", path, `a step entry must be an object {label, ...}, got ${describe(raw)}`);
  const label = lookupLabel(raw, path, ctx);
  const direction = parseDirection(raw, path);
  const offset = optInteger(raw, "offset", path) ?? 0;
  if (offset < 0) fail("invalid_offset", keyPath(path, "offset"), `must not be negative, got ${offset}`);
  const index = resolveIndex(label, optString(raw, "index", path) ?? "_PK", keyPath(path, "index"));
  const where = parseWhereText(raw, path, label, direction, site, ctx);
  return {
    label, direction, undirected: !label.isDirected, index, offset, limit: parseLimit(raw, path, ctx),
    where: andAll([...(where.ast ? [where.ast] : []), ...parseHas(raw, path, label, direction, ctx)]),
    whereText: where.text,
    to: parseTo(raw, path, label, direction),
    duration: parseDuration(raw, path, ctx),
    interval: parseInterval(raw, path, label, direction, index, site, ctx),
    scoring: parseScoring(raw, path, label, ctx),
    timeDecay: parseTimeDecay(raw, path, label, ctx),
    threshold: optNumber(raw, "threshold", path) ?? Number.NEGATIVE_INFINITY,
    duplicate: parseDuplicate(raw, path, ctx),
    exclude: optBoolean(raw, "exclude", path, false),
    include: optBoolean(raw, "include", path, false),
    transform: parseTransform(raw, path, label),
    scorePropagateOp: parseScorePropagateOp(raw, path, ctx),
    scorePropagateShrinkage: optNumber(raw, "scorePropagateShrinkage", path) ?? 500,
    sample: optInteger(raw, "sample", path) ?? -1,
    normalize: optBoolean(raw, "normalize", path, false),
    includeDegree: optBoolean(raw, "includeDegree", path, true),
    cacheTtlMs: optInteger(raw, "cacheTTL", path) ?? -1,
    cursor: optString(raw, "cursor", path) ?? null,
    labelWeight: site.labelWeight,
  };
}
