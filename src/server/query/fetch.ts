/**
 * The reference fetch: what one label param returns for one source vertex, computed in memory
 * from all of the label's edges. The ClickHouse executor must return the same rows; its tests
 * compare against this.
 *
 * Order of work, as S2Graph's storage read: keep edges from the vertex, apply `_to`, `duration`
 * (`from <= timestamp < to`) and `interval` (inclusive, over a prefix of the index) in the scan;
 * sort in index order; skip `offset`; take `limit`; then apply `where` to that page only.
 * Index order is each index prop descending (S2Graph encodes index values with
 * `Order.DESCENDING`), then `to` descending, then timestamp descending, edgeflow's fixed
 * tie-break for rows S2Graph stores under one key.
 */
import type { DataType, LabelDef, PropValue } from "../../lib/index.ts";
import type { DurationPlan, IndexPlan, IntervalBound, IntervalPlan, LabelParamPlan } from "./plan.ts";
import { fieldType } from "./parse-param.ts";
import { compareTyped } from "./values.ts";
import { evalWhere, refValue } from "./where-eval.ts";
import type { Direction, WhereEdge } from "./where-ast.ts";

export function inDuration(duration: DurationPlan | null, timestampMs: number): boolean {
  if (duration === null) return true;
  return (duration.fromMs === null || timestampMs >= duration.fromMs) && (duration.toMs === null || timestampMs < duration.toMs);
}

function indexValue(edge: WhereEdge, prop: string): PropValue | undefined {
  return refValue({ kind: "prop", depth: 0, name: prop, dataType: "string" }, edge, []);
}

const noEdge: WhereEdge = { from: "", to: "", timestamp: 0, props: {} };

/** An interval bound's value; a `_parent.` bound reads the parent chain (`parents[0]` one step back). */
export function boundValue(bound: IntervalBound, parents: readonly WhereEdge[]): PropValue | undefined {
  const v = bound.value;
  if (v.kind === "literal") return v.value;
  const value = refValue({ kind: "prop", depth: v.depth, name: v.prop, dataType: bound.dataType }, noEdge, parents);
  if (v.offset === 0 || value === undefined) return value;
  const n = typeof value === "number" ? value : Number(value);
  return Number.isFinite(n) ? n + v.offset : value;
}

/** Compares an edge's index prefix with a bound: negative when the edge sorts below it. */
function compareToBound(edge: WhereEdge, bounds: readonly IntervalBound[], parents: readonly WhereEdge[]): number | undefined {
  for (const bound of bounds) {
    const c = compareTyped(indexValue(edge, bound.prop), bound.dataType, boundValue(bound, parents), bound.dataType);
    if (c === undefined) return undefined;
    if (c !== 0) return c;
  }
  return 0;
}

export function inInterval(interval: IntervalPlan | null, edge: WhereEdge, parents: readonly WhereEdge[] = []): boolean {
  if (interval === null) return true;
  const low = compareToBound(edge, interval.from, parents);
  const high = compareToBound(edge, interval.to, parents);
  return low !== undefined && high !== undefined && low >= 0 && high <= 0;
}

/** A comparator for index order (descending values, then `to`, then timestamp, all descending). */
export function indexOrder(label: LabelDef, direction: Direction, index: IndexPlan): (a: WhereEdge, b: WhereEdge) => number {
  const types: Array<[string, DataType]> = index.propNames.map((p) => [p, fieldType(label, p, direction) ?? "string"]);
  const toType = direction === "out" ? label.tgtColumnType : label.srcColumnType;
  return (a, b) => {
    for (const [prop, type] of types) {
      const c = compareTyped(indexValue(a, prop), type, indexValue(b, prop), type) ?? 0;
      if (c !== 0) return -c;
    }
    const c = compareTyped(a.to, toType, b.to, toType) ?? 0;
    if (c !== 0) return -c;
    return b.timestamp - a.timestamp;
  };
}

/**
 * One param's rows for one source vertex. `edges` are the label's edges oriented for the
 * param's direction (`from` = the source side); `parents` is the chain `_parent.` refers to.
 */
export function referenceFetch(param: LabelParamPlan, vertexId: PropValue, edges: readonly WhereEdge[], parents: readonly WhereEdge[] = []): WhereEdge[] {
  const fromType = param.direction === "out" ? param.label.srcColumnType : param.label.tgtColumnType;
  const toType = param.direction === "out" ? param.label.tgtColumnType : param.label.srcColumnType;
  const scanned = edges.filter((e) =>
    compareTyped(e.from, fromType, vertexId, fromType) === 0 &&
    (param.to === null || compareTyped(e.to, toType, param.to, toType) === 0) &&
    inDuration(param.duration, e.timestamp) &&
    inInterval(param.interval, e, parents));
  scanned.sort(indexOrder(param.label, param.direction, param.index));
  return scanned.slice(param.offset, param.offset + param.limit).filter((e) => evalWhere(param.where, e, parents));
}
