/**
 * One traversal step over fetched rows, after S2Graph's `TraversalHelper` (`fetchStep`,
 * `buildNextStepQueryRequests`, `toEdgeWithScores`, `buildResult`, `processDuplicates`) and
 * `StepResult.filterOutStepGroupBy`. The executor's loop, per step:
 *
 *   frontier = startFrontier(query)                  (step one) or nextFrontier(previous)
 *   for each frontier vertex and each param that starts from it (paramsFor):
 *       rows  = fetch (see fetch.ts)
 *       edges = stepEdges(param, vertex, rows, nextStep, ...)
 *   result = combineStep(step, fetches)              (exclude/include, duplicates, threshold)
 *   result = stepGroupByFilter(result, step.groupBy) (minimumShouldMatch)
 */
import type { PropValue } from "../../lib/index.ts";
import type { FetchedEdge } from "./edge.ts";
import { fieldValue } from "./edge.ts";
import type { GroupByPlan, LabelParamPlan, QueryOptionsPlan, QueryPlan, StepPlan } from "./plan.ts";
import { normalizeScores, propagateScore, rankScore, timeDecayFactor } from "./score.ts";
import { transformEdge } from "./transform.ts";
import { valueKey } from "./values.ts";
import type { WhereEdge } from "./where-ast.ts";

/** A vertex a step reads from, with the score it carries forward and the edges that reached it. */
export interface FrontierVertex {
  columnName: string;
  id: PropValue;
  /** The score the step's edges propagate from (1 when `shouldPropagateScore` is off). */
  score: number;
  /** The sum of the scores of the edges that reached it (what thresholds and limits compare). */
  scoreSum: number;
  parents: FetchedEdge[];
}

function startColumn(p: LabelParamPlan): string {
  return p.direction === "out" ? p.label.srcColumnName : p.label.tgtColumnName;
}

function endColumn(p: LabelParamPlan): string {
  return p.direction === "out" ? p.label.tgtColumnName : p.label.srcColumnName;
}

/**
 * The first step's frontier. S2Graph seeds one score-1 edge per source vertex and first-step
 * label, then sums them per vertex, so a vertex starts with score = (times listed) x (labels in
 * the first step); kept, since it shows in every score of the query.
 */
export function startFrontier(query: QueryPlan): FrontierVertex[] {
  const perVertex = query.steps[0]?.params.length ?? 0;
  const byKey = new Map<string, FrontierVertex>();
  for (const v of query.srcVertices) {
    const key = valueKey([v.columnName, v.id]);
    const found = byKey.get(key);
    if (found) {
      found.score += perVertex;
      found.scoreSum += perVertex;
    } else byKey.set(key, { columnName: v.columnName, id: v.id, score: perVertex, scoreSum: perVertex, parents: [] });
  }
  return [...byKey.values()];
}

/** The params of `step` that read from `vertex`: in step one, those that start at its column. */
export function paramsFor(step: StepPlan, stepIndex: number, vertex: FrontierVertex): LabelParamPlan[] {
  return stepIndex === 0 ? step.params.filter((p) => startColumn(p) === vertex.columnName) : step.params;
}

/**
 * The frontier after a step: its edges summed per target vertex, kept when the sum reaches
 * `nextStepThreshold`, and, with `nextStepLimit >= 0`, the top that many by sum.
 */
export function nextFrontier(edges: readonly FetchedEdge[], step: StepPlan, options: Pick<QueryOptionsPlan, "shouldPropagateScore">): FrontierVertex[] {
  const columnOf = new Map(step.params.map((p) => [`${p.label.label}|${p.direction}`, endColumn(p)]));
  const byKey = new Map<string, FrontierVertex>();
  for (const e of edges) {
    const columnName = columnOf.get(`${e.label}|${e.direction}`) ?? "";
    const key = valueKey([columnName, e.to]);
    const found = byKey.get(key);
    if (found) {
      found.scoreSum += e.score;
      found.parents.push(e);
    } else byKey.set(key, { columnName, id: e.to, score: 0, scoreSum: e.score, parents: [e] });
  }
  let next = [...byKey.values()].filter((v) => v.scoreSum >= step.nextStepThreshold);
  if (step.nextStepLimit >= 0) next = next.sort((a, b) => b.scoreSum - a.scoreSum).slice(0, step.nextStepLimit);
  for (const v of next) v.score = options.shouldPropagateScore ? v.scoreSum : 1.0;
  return next;
}

/**
 * `n` edges picked at random, in their original order, when there are more than `n`.
 * (S2Graph's `sample` also drops the first edge when offset is 0, a leftover from when the
 * degree row came first; edgeflow does not.)
 */
export function sampleEdges<T>(edges: readonly T[], n: number, random: () => number = Math.random): T[] {
  if (n < 0 || edges.length <= n) return [...edges];
  const picked = new Set<number>();
  while (picked.size < n) picked.add(Math.floor(random() * edges.length));
  return edges.filter((_, i) => picked.has(i));
}

export interface StepEdgesOptions {
  nowMs: number;
  /** The step after this one, for format transforms; `null` at the last step. */
  nextStep: StepPlan | null;
  random?: () => number;
}

/**
 * The scored edges one param yields for one frontier vertex from its fetched rows (already
 * filtered by `where`): transform, rank by `scoring`, sample, then score = propagate(rank,
 * vertex score) x label weight x time decay, normalized if asked.
 */
export function stepEdges(param: LabelParamPlan, vertex: FrontierVertex, rows: readonly WhereEdge[], opts: StepEdgesOptions): FetchedEdge[] {
  const ranked = rows.flatMap((row) => {
    const edge: FetchedEdge = { ...row, label: param.label.label, direction: param.direction, score: rankScore(param.scoring, row), parents: vertex.parents };
    return transformEdge(param, edge, opts.nextStep);
  });
  const sampled = param.sample >= 0 ? sampleEdges(ranked, param.sample, opts.random) : ranked;
  const scored = sampled.map((e) => ({
    ...e,
    score: propagateScore(param.scorePropagateOp, param.scorePropagateShrinkage, e.score, vertex.score) * param.labelWeight * timeDecayFactor(param.timeDecay, e, opts.nowMs),
  }));
  return param.normalize ? normalizeScores(scored) : scored;
}

export interface ParamEdges {
  param: LabelParamPlan;
  edges: readonly FetchedEdge[];
}

/** Collapses a group of edges with the same (from, label, direction, to) by the duplicate policy. */
export function applyDuplicatePolicy(param: LabelParamPlan, group: readonly FetchedEdge[]): FetchedEdge[] {
  const head = group[0];
  if (head === undefined) return [];
  if (param.label.consistencyLevel === "strong") return [...group];
  switch (param.duplicate) {
    case "first": return [head];
    case "raw": return [...group];
    case "countSum": return [{ ...head, score: group.length }];
    case "sum": return [{ ...head, score: group.reduce((acc, e) => acc + e.score, 0) }];
  }
}

/**
 * A step's result from every param's edges, as S2Graph's `buildResult`: edges of `exclude`
 * params remove every edge with the same (from, to), unless an `include` param also yielded
 * that (from, to);
 * weak-label duplicates collapse by policy (first = the first in fetch order); each edge below
 * its param's `threshold` is dropped. (S2Graph applies the threshold only when the step has a
 * duplicate; edgeflow always applies it.)
 */
export function combineStep(fetches: readonly ParamEdges[]): FetchedEdge[] {
  const labelDir = (p: LabelParamPlan): string => `${p.label.label}|${p.direction}`;
  const excluded = new Set(fetches.filter((f) => f.param.exclude).map((f) => labelDir(f.param)));
  const included = new Set(fetches.filter((f) => f.param.include).map((f) => labelDir(f.param)));
  const excludeKeys = new Set<string>();
  const includeKeys = new Set<string>();
  const groups = new Map<string, { param: LabelParamPlan; edges: FetchedEdge[] }>();
  for (const { param, edges } of fetches) {
    const excluding = excluded.has(labelDir(param));
    const including = included.has(labelDir(param));
    for (const e of edges) {
      if (excluding) {
        excludeKeys.add(valueKey([e.from, e.to]));
        continue;
      }
      if (including) includeKeys.add(valueKey([e.from, e.to]));
      const key = valueKey([e.from, e.label, e.direction, e.to]);
      const group = groups.get(key);
      if (group) group.edges.push(e);
      else groups.set(key, { param, edges: [e] });
    }
  }
  const out: FetchedEdge[] = [];
  for (const { param, edges } of groups.values()) {
    if (excludeKeys.size > 0) {
      const pairKey = valueKey([edges[0]?.from, edges[0]?.to]);
      if (excludeKeys.has(pairKey) && !includeKeys.has(pairKey)) continue;
    }
    for (const e of applyDuplicatePolicy(param, edges)) if (e.score >= param.threshold) out.push(e);
  }
  return out;
}

/**
 * A step's `groupBy` with `minimumShouldMatch`: groups (by the group-by keys) keep their edges
 * only when at least `count` of them have `prop` among `terms`. Without minimumShouldMatch the
 * step's edges pass unchanged, as in S2Graph.
 */
export function stepGroupByFilter(edges: readonly FetchedEdge[], groupBy: GroupByPlan | null): FetchedEdge[] {
  const msm = groupBy?.minimumShouldMatch;
  if (!groupBy || !msm) return [...edges];
  const terms = new Set(msm.terms.map((t) => valueKey([t])));
  const groups = new Map<string, FetchedEdge[]>();
  for (const e of edges) {
    const key = valueKey(groupBy.keys.map((k) => fieldValue(e, k)));
    const list = groups.get(key);
    if (list) list.push(e);
    else groups.set(key, [e]);
  }
  const kept = new Set<FetchedEdge>();
  for (const list of groups.values()) {
    const matches = list.filter((e) => terms.has(valueKey([fieldValue(e, msm.prop)]))).length;
    if (matches >= msm.count) for (const e of list) kept.add(e);
  }
  return edges.filter((e) => kept.has(e));
}

/**
 * `removeCycle`: drops edges whose target an earlier step already reached through the same label
 * and direction (the visited set S2Graph's `alreadyVisitedVertices` builds). S2Graph parses
 * `removeCycle` (default true) but never applies it, in 0.1.0 and at HEAD; to return what
 * S2Graph returns, the executor does not call this unless edgeflow decides otherwise.
 */
export function removeCycles(edges: readonly FetchedEdge[], earlierSteps: readonly (readonly FetchedEdge[])[]): FetchedEdge[] {
  const visited = new Set(earlierSteps.flat().map((e) => valueKey([e.label, e.direction, e.to])));
  return edges.filter((e) => !visited.has(valueKey([e.label, e.direction, e.to])));
}
