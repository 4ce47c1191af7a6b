/**
 * S2Graph's getEdges response JSON, after `PostProcess.toJson` and `s2EdgeToJsValue`:
 *
 *   {"size": n, "degrees": [{"from", "label", "direction", "_degree"}],
 *    "results": [{"score", "from", "to", "label", "props", "direction", "timestamp", "_timestamp"}]}
 *
 * `score` only with `withScore`; `_timestamp` beside `timestamp` for backward compatibility (as
 * S2Graph); `props` holds the label's props (defaults filled) and `_timestamp`. With `select`,
 * an edge has `score` (with `withScore`), the selected edge fields among from, _from, to, _to,
 * label, direction, timestamp, _timestamp, and `props` with the selected props. With
 * `returnTree`, each edge has `parents`: the edges that led to it, each with its own `parents`.
 * Grouped: `results: [{"groupBy": {key: value}, "scoreSum", "agg": [edges]}]` (`agg` empty when
 * `returnAgg` is false). The query-level `limit` cuts edges, or groups, here.
 *
 * S2Graph's code also lists its internal metas (`_from_hash`, `_degree`, `_count`, ...) with
 * placeholder values in `props`; edgeflow does not copy those storage internals.
 */
import type { PropValue } from "../../lib/index.ts";
import type { FetchedEdge } from "./edge.ts";
import type { QueryOptionsPlan } from "./plan.ts";
import type { DegreeRow, QueryResult } from "./result.ts";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonRecord = { [key: string]: Json };

type EdgeJsonOptions = Pick<QueryOptionsPlan, "withScore" | "select" | "returnTree">;

const selectableFields = new Set(["from", "_from", "to", "_to", "label", "direction", "timestamp", "_timestamp"]);

function selectedField(edge: FetchedEdge, field: string): Json {
  switch (field) {
    case "from": case "_from": return edge.from;
    case "to": case "_to": return edge.to;
    case "label": return edge.label;
    case "direction": return edge.direction;
    default: return edge.timestamp;
  }
}

function allProps(edge: FetchedEdge): JsonRecord {
  const props: JsonRecord = { _timestamp: edge.timestamp };
  for (const [k, v] of Object.entries(edge.props)) props[k] = v;
  return props;
}

function selectedProps(edge: FetchedEdge, select: readonly string[]): JsonRecord {
  const props: JsonRecord = {};
  for (const name of select) {
    if (name === "_timestamp" || name === "timestamp") props[name] = edge.timestamp;
    else if (Object.hasOwn(edge.props, name)) props[name] = edge.props[name] as PropValue;
  }
  return props;
}

export function edgeToJson(edge: FetchedEdge, options: EdgeJsonOptions): JsonRecord {
  const out: JsonRecord = {};
  if (options.withScore) out.score = edge.score;
  if (options.select.length === 0) {
    out.from = edge.from;
    out.to = edge.to;
    out.label = edge.label;
    out.props = allProps(edge);
    out.direction = edge.direction;
    out.timestamp = edge.timestamp;
    out._timestamp = edge.timestamp;
  } else {
    for (const field of new Set(options.select)) if (selectableFields.has(field)) out[field] = selectedField(edge, field);
    out.props = selectedProps(edge, options.select);
  }
  if (options.returnTree) out.parents = (edge.parents ?? []).map((p) => edgeToJson(p.original ?? p, options));
  return out;
}

export function degreeToJson(row: DegreeRow): JsonRecord {
  return { from: row.from, label: row.label, direction: row.direction, _degree: row.degree };
}

export interface ResponseOptions {
  /** S2Graph's experiments add `"S2-Impression-Id"` to the response. */
  impressionId?: string;
}

/** The JSON for one query's (or one multi-query's) result. */
export function toGetEdgesJson(result: QueryResult, options: QueryOptionsPlan, responseOptions: ResponseOptions = {}): JsonRecord {
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  const degrees = options.returnDegree ? result.degrees.map(degreeToJson) : [];
  let results: JsonRecord[];
  if (result.groups === null) {
    results = result.edges.slice(0, limit).map((e) => edgeToJson(e, options));
  } else {
    const keys = options.groupBy?.keys ?? [];
    results = result.groups.slice(0, limit).map((g) => {
      const groupBy: JsonRecord = {};
      keys.forEach((k, i) => {
        groupBy[k] = g.key[i] ?? null;
      });
      return { groupBy, scoreSum: g.scoreSum, agg: options.returnAgg ? g.edges.map((e) => edgeToJson(e, options)) : [] };
    });
  }
  const out: JsonRecord = { size: results.length, degrees, results };
  if (responseOptions.impressionId !== undefined) out["S2-Impression-Id"] = responseOptions.impressionId;
  return out;
}

/** S2Graph's `PostProcess.emptyResults`, what a failed or empty query answers. */
export function emptyGetEdgesJson(): JsonRecord {
  return { size: 0, degrees: [], results: [], isEmpty: true, rpcFail: 0 };
}
