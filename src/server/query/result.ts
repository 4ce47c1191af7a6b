/**
 * The last step's edges to a query's result, after S2Graph's `TraversalHelper.filterEdges` (last
 * step), `StepResult.orderBy`, `mergeOrdered`, `filterOut` and `merges` (multi-query).
 *
 * - Order: with `withScore` (the default), by the `orderBy` keys (the first 4), else by score
 *   then timestamp, both descending; without `withScore`, edges keep their order. Sorting is
 *   stable, so ties keep fetch order.
 * - Group by: groups by the keys' values; a group whose score sum is under `scoreThreshold` is
 *   dropped (the threshold only applies to groups, as in S2Graph), the rest keep their top
 *   `groupBy.limit` edges by order and sum those; groups sort by that sum, descending.
 * - Filter out: edges whose `filterOutFields` values equal those of any edge of the filterOut
 *   query's result are removed; a group loses their score and disappears when empty.
 * - Multi-query: each query's edges times its weight, filtered out, then grouped or ordered by
 *   the top-level options (no group limit or score threshold there, as S2Graph's `merges`).
 */
import type { PropValue } from "../../lib/index.ts";
import { fieldValue, type FetchedEdge } from "./edge.ts";
import type { QueryOptionsPlan } from "./plan.ts";
import { compareLoose, valueKey } from "./values.ts";

export interface EdgeGroup {
  /** The group-by keys' values, in the order of `groupBy.keys`. */
  key: Array<PropValue | undefined>;
  scoreSum: number;
  edges: FetchedEdge[];
}

/** A degree row: how many edges a source vertex has for a label and direction. */
export interface DegreeRow {
  from: PropValue;
  label: string;
  direction: "out" | "in";
  degree: number;
}

/** `groups` is set when the query groups; `edges` holds the result otherwise. */
export interface QueryResult {
  edges: FetchedEdge[];
  groups: EdgeGroup[] | null;
  degrees: DegreeRow[];
}

type OrderOptions = Pick<QueryOptionsPlan, "withScore" | "orderBy">;

export function orderEdges(edges: readonly FetchedEdge[], options: OrderOptions): FetchedEdge[] {
  if (!options.withScore) return [...edges];
  const keys = options.orderBy.length === 0
    ? [{ key: "score", ascending: false }, { key: "timestamp", ascending: false }]
    : options.orderBy.slice(0, 4);
  return [...edges].sort((a, b) => {
    for (const { key, ascending } of keys) {
      const c = compareLoose(fieldValue(a, key), fieldValue(b, key));
      if (c !== 0) return ascending ? c : -c;
    }
    return 0;
  });
}

function sumScores(edges: readonly FetchedEdge[]): number {
  return edges.reduce((acc, e) => acc + e.score, 0);
}

function groupByKeys(edges: readonly FetchedEdge[], keys: readonly string[]): Map<string, { key: Array<PropValue | undefined>; edges: FetchedEdge[] }> {
  const groups = new Map<string, { key: Array<PropValue | undefined>; edges: FetchedEdge[] }>();
  for (const e of edges) {
    const key = keys.map((k) => fieldValue(e, k));
    const id = valueKey(key);
    const group = groups.get(id);
    if (group) group.edges.push(e);
    else groups.set(id, { key, edges: [e] });
  }
  return groups;
}

/** Groups a query's last-step edges by `options.groupBy` (see the module comment). */
export function groupEdges(edges: readonly FetchedEdge[], options: QueryOptionsPlan): EdgeGroup[] {
  const groupBy = options.groupBy;
  if (groupBy === null) return [];
  const out: EdgeGroup[] = [];
  for (const { key, edges: members } of groupByKeys(edges, groupBy.keys).values()) {
    if (sumScores(members) < options.scoreThreshold) continue;
    const kept = orderEdges(members, options).slice(0, groupBy.limit);
    if (kept.length > 0) out.push({ key, scoreSum: sumScores(kept), edges: kept });
  }
  return out.sort((a, b) => b.scoreSum - a.scoreSum);
}

function filterOutKeys(filterOutEdges: readonly FetchedEdge[], fields: readonly string[]): Set<string> {
  return new Set(filterOutEdges.map((e) => valueKey(fields.map((f) => fieldValue(e, f)))));
}

/** Removes what the filterOut query found (matched on `fields`) from a result. */
export function filterOutResult(result: QueryResult, filterOutEdges: readonly FetchedEdge[], fields: readonly string[]): QueryResult {
  if (filterOutEdges.length === 0) return result;
  const out = filterOutKeys(filterOutEdges, fields);
  const keep = (e: FetchedEdge): boolean => !out.has(valueKey(fields.map((f) => fieldValue(e, f))));
  const groups = result.groups === null ? null : result.groups.flatMap((g) => {
    const kept = g.edges.filter(keep);
    const removed = g.edges.filter((e) => !keep(e));
    return kept.length === 0 ? [] : [{ key: g.key, scoreSum: g.scoreSum - sumScores(removed), edges: kept }];
  });
  return { edges: result.edges.filter(keep), groups, degrees: result.degrees };
}

/**
 * A single query's result from its last step's edges: ordered or grouped, then filtered by the
 * filterOut query's last-step edges (pass `null` when the query has none).
 */
export function finishQuery(lastStepEdges: readonly FetchedEdge[], options: QueryOptionsPlan, degrees: readonly DegreeRow[], filterOutEdges: readonly FetchedEdge[] | null): QueryResult {
  const grouped = options.groupBy !== null && options.groupBy.keys.length > 0;
  const result: QueryResult = grouped
    ? { edges: [], groups: groupEdges(lastStepEdges, options), degrees: [...degrees] }
    : { edges: orderEdges(lastStepEdges, options), groups: null, degrees: [...degrees] };
  return filterOutEdges === null ? result : filterOutResult(result, filterOutEdges, options.filterOutFields);
}

/** Merges a multi-query's per-query results with their weights (S2Graph's `StepResult.merges`). */
export function mergeMultiQuery(results: readonly QueryResult[], weights: readonly number[], options: QueryOptionsPlan, filterOutEdges: readonly FetchedEdge[] | null): QueryResult {
  const out = filterOutKeys(filterOutEdges ?? [], options.filterOutFields);
  const merged: FetchedEdge[] = [];
  results.forEach((r, i) => {
    const weight = weights[i] ?? 1.0;
    for (const e of r.edges) {
      if (!out.has(valueKey(options.filterOutFields.map((f) => fieldValue(e, f))))) merged.push({ ...e, score: e.score * weight });
    }
  });
  const degrees = results.flatMap((r) => r.degrees);
  if (options.groupBy === null || options.groupBy.keys.length === 0) return { edges: orderEdges(merged, options), groups: null, degrees };
  const groups = [...groupByKeys(merged, options.groupBy.keys).values()]
    .map(({ key, edges }) => ({ key, scoreSum: sumScores(edges), edges: orderEdges(edges, options) }))
    .sort((a, b) => b.scoreSum - a.scoreSum);
  return { edges: [], groups, degrees };
}
