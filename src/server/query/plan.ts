/**
 * The typed plan `parseGetEdges` returns: every option of S2Graph's getEdges DSL, validated
 * against the schema, with its default filled in. The executor reads only this, never the JSON.
 *
 * Unbounded values are spelled with infinities (`threshold: -Infinity`, `groupBy.limit:
 * Infinity`), so comparisons need no special case; `-1` keeps S2Graph's meaning of "off" where
 * S2Graph uses it (`sample`, `nextStepLimit`, `cacheTtlMs`).
 */
import type { DataType, LabelDef, PropValue } from "../../lib/index.ts";
import type { Direction, WhereAst } from "./where-ast.ts";

export type DuplicatePolicy = "first" | "sum" | "countSum" | "raw";
export type ScorePropagateOp = "multiply" | "plus" | "divide";

/** The vertex-centric index a param scans: edges come in this order (values descending). */
export interface IndexPlan {
  name: string;
  propNames: string[];
}

export type IntervalValue =
  | { kind: "literal"; value: PropValue }
  /** The value of `prop` on the edge `depth` steps back, plus `offset` (numeric props only). */
  | { kind: "parent"; depth: number; prop: string; offset: number };

export interface IntervalBound {
  prop: string;
  dataType: DataType;
  value: IntervalValue;
}

/**
 * A range over a prefix of the index's props, both ends included: `from` is the lower bound and
 * `to` the upper (S2Graph's `QueryTest` "interval": from 1000 to 2000 finds both edges).
 * Bounds are in index order and may be shorter than the index.
 */
export interface IntervalPlan {
  from: IntervalBound[];
  to: IntervalBound[];
}

/** `fromMs <= timestamp < toMs` (HBase's min inclusive, max exclusive); `null` is unbounded. */
export interface DurationPlan {
  fromMs: number | null;
  toMs: number | null;
}

/** `initial * (1 - decayRate) ^ ((nowMs - value of propName) / timeUnit)`. */
export interface TimeDecayPlan {
  initial: number;
  decayRate: number;
  timeUnit: number;
  propName: string;
}

export interface ScoringWeight {
  prop: string;
  weight: number;
}

export interface MinimumShouldMatch {
  prop: string;
  count: number;
  terms: PropValue[];
}

export interface GroupByPlan {
  keys: string[];
  limit: number;
  minimumShouldMatch: MinimumShouldMatch | null;
}

export interface OrderKey {
  key: string;
  ascending: boolean;
}

/**
 * One label read in one step. Fetch semantics the executor must keep (they decide which rows a
 * `limit` counts): per source vertex, scan the index in order, apply `duration`, `interval` and
 * `to` in the scan, skip `offset`, take `limit` rows; only then apply `where` (S2Graph filters
 * the fetched page, so a where never pulls in more rows). `referenceFetch` is that, in memory.
 */
export interface LabelParamPlan {
  label: LabelDef;
  direction: Direction;
  /** The label is undirected: both orientations of an edge are its out-edges. */
  undirected: boolean;
  index: IndexPlan;
  offset: number;
  limit: number;
  /** The where text and `has`, and-ed; `null` when neither is given. */
  where: WhereAst | null;
  whereText: string | null;
  /** `_to`: read only the edge to this vertex. */
  to: PropValue | null;
  duration: DurationPlan | null;
  interval: IntervalPlan | null;
  scoring: ScoringWeight[];
  timeDecay: TimeDecayPlan | null;
  threshold: number;
  duplicate: DuplicatePolicy;
  exclude: boolean;
  include: boolean;
  /** `[["_to"]]` by default; `[field]` or `[format with $, ...fields]` per output edge. */
  transform: string[][];
  scorePropagateOp: ScorePropagateOp;
  scorePropagateShrinkage: number;
  sample: number;
  normalize: boolean;
  includeDegree: boolean;
  cacheTtlMs: number;
  cursor: string | null;
  /** The step's `weights` entry for this label, 1 when absent. */
  labelWeight: number;
}

export interface StepPlan {
  params: LabelParamPlan[];
  labelWeights: Record<string, number>;
  nextStepLimit: number;
  nextStepThreshold: number;
  cacheTtlMs: number;
  groupBy: GroupByPlan | null;
}

export interface QueryOptionsPlan {
  select: string[];
  orderBy: OrderKey[];
  groupBy: GroupByPlan | null;
  filterOut: QueryPlan | null;
  filterOutFields: string[];
  removeCycle: boolean;
  withScore: boolean;
  returnTree: boolean;
  returnDegree: boolean;
  returnAgg: boolean;
  limit: number | null;
  scoreThreshold: number;
  shouldPropagateScore: boolean;
  ignorePrevStepCache: boolean;
}

export interface SrcVertexPlan {
  serviceName: string;
  columnName: string;
  id: PropValue;
}

export interface QueryPlan {
  srcVertices: SrcVertexPlan[];
  steps: StepPlan[];
  options: QueryOptionsPlan;
}

export interface MultiQueryPlan {
  queries: QueryPlan[];
  weights: number[];
  options: QueryOptionsPlan;
}

export type RequestPlan = { kind: "query"; query: QueryPlan } | { kind: "multi"; multi: MultiQueryPlan };

/** The body's shape decides the response's: one result, an array of results, or an object of them. */
export type PlanBody =
  | RequestPlan
  | { kind: "array"; items: RequestPlan[] }
  | { kind: "union"; entries: Array<{ key: string; plan: RequestPlan }> };

/** Something S2Graph silently ignores that edgeflow accepts too, named so it can be logged. */
export interface PlanWarning {
  path: string;
  code: string;
  message: string;
}

export interface GetEdgesPlan {
  body: PlanBody;
  nowMs: number;
  hardLimit: number;
  warnings: PlanWarning[];
}
