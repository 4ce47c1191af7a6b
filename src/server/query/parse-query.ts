/**
 * `parseGetEdges`: a getEdges body in any of S2Graph's four shapes (`RestHandler.getEdgesAsync`)
 * to a `GetEdgesPlan`, after `RequestParser.toQuery`, `toQueryOption` and `toMultiQuery`.
 */
import { EdgeflowError, coerceId, type DataType, type PropValue, type SchemaLookup } from "../../lib/index.ts";
import { checkCount, describe, fail, indexPath, isObject, keyPath, optArray, optBoolean, optInteger, optNumber, optObject, optString, optStringArray, readRaw, type JsonObject } from "./json-read.ts";
import { newParseContext, filterOutDepthMax, paramsPerStepMax, queriesPerBodyMax, srcVertexIdsMax, stepsPerQueryMax, type ParseContext } from "./parse-context.ts";
import { defaultHardLimit, parseLabelParam } from "./parse-param.ts";
import type { GetEdgesPlan, GroupByPlan, LabelParamPlan, MultiQueryPlan, OrderKey, PlanBody, QueryOptionsPlan, QueryPlan, RequestPlan, SrcVertexPlan, StepPlan } from "./plan.ts";
import type { LabelSide } from "./where-ast.ts";

export interface ParseGetEdgesOptions {
  /** The request's clock: templates and time decay are relative to it. */
  nowMs: number;
  /** S2Graph's `query.hardlimit`: the largest per-label limit, and what `limit: -1` means. */
  hardLimit?: number;
  /** For `${randint(a, b)}`; a uniform integer in [low, high]. */
  randomInt?: (low: number, high: number) => number;
}

export function parseGroupBy(raw: unknown, path: string, ctx: ParseContext): GroupByPlan | null {
  if (raw === undefined || raw === null) return null;
  if (Array.isArray(raw)) {
    const keys = raw.map((k, i) => (typeof k === "string" ? k : fail("invalid_type", indexPath(path, i), `must be a string, got ${describe(k)}`)));
    return keys.length === 0 ? null : { keys, limit: Number.POSITIVE_INFINITY, minimumShouldMatch: null };
  }
  if (!isObject(raw)) fail("invalid_type", path, `must be an array of keys or {keys, limit, minimumShouldMatch}, got ${describe(raw)}`);
  const keys = optStringArray(raw, "keys", path) ?? [];
  const limit = optInteger(raw, "limit", path) ?? ctx.hardLimit;
  if (limit < 0) fail("invalid_limit", keyPath(path, "limit"), `must not be negative, got ${limit}`);
  const msm = optObject(raw, "minimumShouldMatch", path);
  if (msm === undefined) return keys.length === 0 ? null : { keys, limit, minimumShouldMatch: null };
  const msmPath = keyPath(path, "minimumShouldMatch");
  const terms = (optArray(msm, "terms", msmPath) ?? []).map((t, i): PropValue => {
    if (typeof t === "string" || typeof t === "number") return t;
    fail("invalid_type", indexPath(keyPath(msmPath, "terms"), i), `must be a string or a number, got ${describe(t)}`);
  });
  return { keys, limit, minimumShouldMatch: { prop: optString(msm, "prop", msmPath) ?? "to", count: optInteger(msm, "count", msmPath) ?? 0, terms } };
}

function parseOrderBy(obj: JsonObject, path: string, ctx: ParseContext): OrderKey[] {
  const list = optArray(obj, "orderBy", path) ?? [];
  const at = keyPath(path, "orderBy");
  const keys = list.flatMap((entry, i) => {
    if (!isObject(entry)) fail("invalid_order", indexPath(at, i), `must be an object like {"score": "DESC"}, got ${describe(entry)}`);
    return Object.entries(entry).map(([key, dir]): OrderKey => {
      const d = typeof dir === "string" ? dir.toUpperCase() : "";
      if (d !== "ASC" && d !== "DESC") fail("invalid_order", keyPath(indexPath(at, i), key), `must be "ASC" or "DESC", got ${describe(dir)}`);
      return { key, ascending: d === "ASC" };
    });
  });
  if (keys.length > 4) ctx.warn(at, "order_by_truncated", `orders by the first 4 of ${keys.length} keys, as S2Graph does`);
  return keys;
}

function parseOptions(obj: JsonObject, path: string, ctx: ParseContext, depth: number): QueryOptionsPlan {
  const filterOutFields = optStringArray(obj, "filterOutFields", path) ?? ["_to"];
  const filterOutRaw = optObject(obj, "filterOut", path);
  let filterOut: QueryPlan | null = null;
  if (filterOutRaw !== undefined) {
    if (depth >= filterOutDepthMax) throw new EdgeflowError("too_large", "too_deep", `${keyPath(path, "filterOut")}: filterOut queries nest at most ${filterOutDepthMax} deep`, { path });
    filterOut = parseQuery(filterOutRaw, keyPath(path, "filterOut"), ctx, depth + 1);
    // S2Graph's toQueryOption: the nested query selects and matches on the outer fields.
    filterOut.options = { ...filterOut.options, filterOutFields, select: [...filterOutFields] };
  }
  const limit = optInteger(obj, "limit", path);
  if (limit !== undefined && limit < 0) fail("invalid_limit", keyPath(path, "limit"), `must not be negative, got ${limit}`);
  return {
    select: optStringArray(obj, "select", path) ?? [],
    orderBy: parseOrderBy(obj, path, ctx),
    groupBy: parseGroupBy(readRaw(obj, "groupBy"), keyPath(path, "groupBy"), ctx),
    filterOut, filterOutFields,
    removeCycle: optBoolean(obj, "removeCycle", path, true),
    withScore: optBoolean(obj, "withScore", path, true),
    returnTree: optBoolean(obj, "returnTree", path, false),
    returnDegree: optBoolean(obj, "returnDegree", path, true),
    returnAgg: optBoolean(obj, "returnAgg", path, true),
    limit: limit ?? null,
    scoreThreshold: optNumber(obj, "scoreThreshold", path) ?? Number.NEGATIVE_INFINITY,
    shouldPropagateScore: optBoolean(obj, "shouldPropagateScore", path, true),
    ignorePrevStepCache: optBoolean(obj, "ignorePrevStepCache", path, false),
  };
}

function parseLabelWeights(step: JsonObject, path: string, ctx: ParseContext): Record<string, number> {
  const js = optObject(step, "weights", path);
  const weights: Record<string, number> = {};
  for (const [name, w] of Object.entries(js ?? {})) {
    const at = keyPath(keyPath(path, "weights"), name);
    if (typeof w !== "number" || !Number.isFinite(w)) fail("invalid_type", at, `a label weight must be a number, got ${describe(w)}`);
    if (ctx.lookup.label(name) === undefined) ctx.warn(at, "unknown_weight_label", `label ${JSON.stringify(name)} does not exist; its weight is ignored, as S2Graph does`);
    else weights[name] = w;
  }
  return weights;
}

function parseStep(raw: unknown, path: string, stepIndex: number, before: readonly StepPlan[], ctx: ParseContext): StepPlan {
  let entries: unknown[];
  let obj: JsonObject = {};
  if (Array.isArray(raw)) entries = raw;
  else if (isObject(raw)) {
    obj = raw;
    const step = optArray(raw, "step", path);
    if (step === undefined) fail("missing_field", keyPath(path, "step"), "a step object needs a step array of labels");
    entries = step;
  } else fail("invalid_type", path, `a step must be an array of labels or {step: [...]}, got ${describe(raw)}`);
  const entriesPath = Array.isArray(raw) ? path : keyPath(path, "step");
  checkCount(entries.length, paramsPerStepMax, entriesPath, "labels in a step");
  const labelWeights = parseLabelWeights(obj, path, ctx);
  if (readRaw(obj, "sample") !== undefined) {
    ctx.warn(keyPath(path, "sample"), "step_sample_ignored", "sample is read per label (S2Graph's parser ignores it on the step); put it on each label");
  }
  const parents: LabelSide[][] = [];
  for (let d = 1; d <= stepIndex; d++) parents.push((before[stepIndex - d]?.params ?? []).map((p) => ({ label: p.label, direction: p.direction })));
  const params = entries.map((entry, i) => {
    const name = isObject(entry) && typeof entry.label === "string" ? entry.label : "";
    return parseLabelParam(entry, indexPath(entriesPath, i), { stepIndex, parents, labelWeight: labelWeights[name] ?? 1.0 }, ctx);
  });
  return {
    params, labelWeights,
    nextStepLimit: optInteger(obj, "nextStepLimit", path) ?? -1,
    nextStepThreshold: optNumber(obj, "nextStepThreshold", path) ?? Number.NEGATIVE_INFINITY,
    cacheTtlMs: optInteger(obj, "cacheTTL", path) ?? -1,
    groupBy: parseGroupBy(readRaw(obj, "groupBy"), keyPath(path, "groupBy"), ctx),
  };
}

/** The column a first-step param reads its source vertices from. */
function startSide(p: LabelParamPlan): { serviceName: string; columnName: string; columnType: DataType } {
  const l = p.label;
  return p.direction === "out"
    ? { serviceName: l.srcServiceName, columnName: l.srcColumnName, columnType: l.srcColumnType }
    : { serviceName: l.tgtServiceName, columnName: l.tgtColumnName, columnType: l.tgtColumnType };
}

function vertexColumnType(serviceName: string, columnName: string, firstStep: readonly LabelParamPlan[], ctx: ParseContext, path: string): DataType {
  const sides = firstStep.map(startSide);
  const exact = sides.find((s) => s.serviceName === serviceName && s.columnName === columnName);
  const byName = sides.find((s) => s.columnName === columnName);
  const type = exact?.columnType ?? byName?.columnType ?? ctx.lookup.column(serviceName, columnName)?.columnType;
  if (type === undefined) {
    throw new EdgeflowError("not_found", "unknown_column", `${path}: column ${serviceName}.${columnName} does not exist and no first-step label reads it`, { path, serviceName, columnName });
  }
  return type;
}

interface RawVertex {
  serviceName: string;
  columnName: string;
  path: string;
  ids: Array<[unknown, string]>;
}

function readSrcVertices(obj: JsonObject, path: string): RawVertex[] {
  const at = keyPath(path, "srcVertices");
  const list = optArray(obj, "srcVertices", path) ?? [];
  let count = 0;
  const vertices = list.map((entry, i): RawVertex => {
    const vPath = indexPath(at, i);
    if (!isObject(entry)) fail("invalid_type", vPath, `must be {serviceName, columnName, id | ids}, got ${describe(entry)}`);
    const serviceName = optString(entry, "serviceName", vPath) ?? fail("missing_field", keyPath(vPath, "serviceName"), "is required");
    const columnName = optString(entry, "columnName", vPath) ?? fail("missing_field", keyPath(vPath, "columnName"), "is required");
    const single = readRaw(entry, "id");
    const ids: Array<[unknown, string]> = single === undefined ? [] : [[single, keyPath(vPath, "id")]];
    (optArray(entry, "ids", vPath) ?? []).forEach((id, j) => ids.push([id, indexPath(keyPath(vPath, "ids"), j)]));
    count += ids.length;
    checkCount(count, srcVertexIdsMax, at, "source vertex ids");
    return { serviceName, columnName, path: vPath, ids };
  }).filter((v) => v.ids.length > 0);
  if (vertices.length === 0) fail("empty_src_vertices", at, "needs at least one vertex id (id or ids)");
  return vertices;
}

/** S2Graph's check: each first-step label must start from a column some source vertex has. */
function checkStartColumns(vertices: readonly RawVertex[], firstStep: readonly LabelParamPlan[], path: string): void {
  firstStep.forEach((p, i) => {
    const side = startSide(p);
    if (!vertices.some((v) => v.columnName === side.columnName)) {
      const have = [...new Set(vertices.map((v) => `${v.serviceName}.${v.columnName}`))].join(", ");
      fail("src_vertex_mismatch", keyPath(path, "srcVertices"),
        `label ${p.label.label} read ${p.direction} starts from ${side.serviceName}.${side.columnName}, but the source vertices are ${have} (first step, entry ${i})`);
    }
  });
}

function typeSrcVertices(vertices: readonly RawVertex[], firstStep: readonly LabelParamPlan[], ctx: ParseContext): SrcVertexPlan[] {
  return vertices.flatMap((v) => {
    const columnType = vertexColumnType(v.serviceName, v.columnName, firstStep, ctx, v.path);
    return v.ids.map(([id, idPath]): SrcVertexPlan => {
      const typed = coerceId(id, columnType);
      if (typed === undefined) fail("invalid_id", idPath, `${describe(id)} is not a ${columnType} id of ${v.serviceName}.${v.columnName}`);
      return { serviceName: v.serviceName, columnName: v.columnName, id: typed };
    });
  });
}

export function parseQuery(obj: JsonObject, path: string, ctx: ParseContext, depth = 0): QueryPlan {
  const options = parseOptions(obj, path, ctx, depth);
  const stepsRaw = optArray(obj, "steps", path);
  if (stepsRaw === undefined) fail("missing_field", keyPath(path, "steps"), "is required");
  checkCount(stepsRaw.length, stepsPerQueryMax, keyPath(path, "steps"), "steps");
  const steps: StepPlan[] = [];
  stepsRaw.forEach((raw, i) => steps.push(parseStep(raw, indexPath(keyPath(path, "steps"), i), i, steps, ctx)));
  const firstStep = steps[0]?.params ?? [];
  const raw = readSrcVertices(obj, path);
  checkStartColumns(raw, firstStep, path);
  return { srcVertices: typeSrcVertices(raw, firstStep, ctx), steps, options };
}

function parseMulti(obj: JsonObject, path: string, ctx: ParseContext): MultiQueryPlan {
  const options = parseOptions(obj, path, ctx, 0);
  const list = optArray(obj, "queries", path) ?? [];
  const at = keyPath(path, "queries");
  checkCount(list.length, queriesPerBodyMax, at, "queries");
  const queries = list.map((raw, i) => {
    const qPath = indexPath(at, i);
    if (!isObject(raw)) fail("invalid_type", qPath, `must be a query object, got ${describe(raw)}`);
    const query = parseQuery(raw, qPath, ctx);
    if (query.options.groupBy !== null && query.options.groupBy.keys.length > 0) fail("multi_query_group_by", keyPath(qPath, "groupBy"), "group by is not allowed in the queries of a multi-query; put it at the top level");
    if (query.options.orderBy.length > 0) fail("multi_query_order_by", keyPath(qPath, "orderBy"), "order by is not allowed in the queries of a multi-query; put it at the top level");
    // S2Graph's toMultiQuery: inner results stay unsorted when the merged result is scored.
    if (options.withScore) query.options = { ...query.options, withScore: false };
    return query;
  });
  const weightsRaw = optArray(obj, "weights", path);
  const weights = (weightsRaw ?? queries.map(() => 1.0)).map((w, i) => {
    if (typeof w !== "number" || !Number.isFinite(w)) fail("invalid_type", indexPath(keyPath(path, "weights"), i), `must be a number, got ${describe(w)}`);
    return w;
  });
  if (weights.length !== queries.length) fail("weights_mismatch", keyPath(path, "weights"), `has ${weights.length} weights for ${queries.length} queries`);
  return { queries, weights, options };
}

function parseRequest(raw: unknown, path: string, ctx: ParseContext): RequestPlan {
  if (!isObject(raw)) fail("invalid_type", path, `must be a query object, got ${describe(raw)}`);
  if (readRaw(raw, "queries") !== undefined) return { kind: "multi", multi: parseMulti(raw, path, ctx) };
  return { kind: "query", query: parseQuery(raw, path, ctx) };
}

function parseBody(body: unknown, ctx: ParseContext): PlanBody {
  if (Array.isArray(body)) {
    checkCount(body.length, queriesPerBodyMax, "", "queries");
    return { kind: "array", items: body.map((q, i) => parseRequest(q, indexPath("", i), ctx)) };
  }
  if (!isObject(body)) fail("invalid_body", "", `a getEdges body must be a query object, an array of queries, {"union": {...}} or {"queries": [...]}; got ${describe(body)}`);
  const union = readRaw(body, "union");
  if (union === undefined) return parseRequest(body, "", ctx);
  if (!isObject(union)) fail("invalid_type", "union", `must be an object of named queries, got ${describe(union)}`);
  const entries = Object.entries(union);
  checkCount(entries.length, queriesPerBodyMax, "union", "queries");
  return { kind: "union", entries: entries.map(([key, q]) => ({ key, plan: parseRequest(q, keyPath("union", key), ctx) })) };
}

/**
 * Parses and validates a getEdges body against the schema. Throws `EdgeflowError` with kind
 * `invalid` (a stable `code` and a message naming the JSON path), `not_found` for an unknown
 * label or column, or `too_large` past a limit.
 */
export function parseGetEdges(body: unknown, lookup: SchemaLookup, opts: ParseGetEdgesOptions): GetEdgesPlan {
  const hardLimit = opts.hardLimit ?? defaultHardLimit;
  if (!Number.isSafeInteger(hardLimit) || hardLimit < 0) throw new Error(`assertion failed: hardLimit must be a non-negative integer, got ${hardLimit}`);
  const clock = opts.randomInt ? { nowMs: opts.nowMs, randomInt: opts.randomInt } : { nowMs: opts.nowMs };
  const ctx = newParseContext(lookup, clock, hardLimit);
  return { body: parseBody(body, ctx), nowMs: opts.nowMs, hardLimit, warnings: ctx.warnings };
}
