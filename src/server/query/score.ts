/**
 * Edge scores, after S2Graph's `RankParam.score`, `TimeDecay.decay` and
 * `TraversalHelper.toEdgeWithScores`:
 *
 *   score = propagate(rank, previous step's score) * label weight * time decay
 *
 * where rank is Σ weight × prop value over `scoring` (1 with no scoring), propagate is
 * `rank * prev` (multiply), `rank + prev` (plus) or `rank / (prev + shrinkage)` (divide, 0 when
 * the divisor is 0), and time decay is `initial * (1 - decayRate) ^ ((now - t) / timeUnit)` with
 * `t` the decay prop in ms and `timeUnit` in the same unit as the difference (S2Graph's default
 * 86400 therefore decays per 86.4 seconds, not per day; its docs' examples pass 86400000).
 */
import type { PropValue } from "../../lib/index.ts";
import type { FetchedEdge } from "./edge.ts";
import type { ScorePropagateOp, ScoringWeight, TimeDecayPlan } from "./plan.ts";
import type { WhereEdge } from "./where-ast.ts";

/** A prop's weight factor: its number, a numeric string's number, else 1 (S2Graph's `toDouble` fallback). */
function scoreFactor(value: PropValue): number {
  if (typeof value === "number") return value;
  if (typeof value === "string" && /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/.test(value)) return Number(value);
  return 1.0;
}

export function rankScore(scoring: readonly ScoringWeight[], edge: WhereEdge): number {
  if (scoring.length === 0) return 1.0;
  let sum = 0;
  for (const { prop, weight } of scoring) {
    const value = prop === "_timestamp" ? edge.timestamp : Object.hasOwn(edge.props, prop) ? edge.props[prop] : undefined;
    if (value !== undefined) sum += weight * scoreFactor(value);
  }
  return sum;
}

/** The decay prop's value in ms: an integral value of the prop, else the edge's timestamp (S2Graph's fallback). */
function decayTime(decay: TimeDecayPlan, edge: WhereEdge): number {
  if (decay.propName === "_timestamp") return edge.timestamp;
  const value = edge.props[decay.propName];
  if (typeof value === "number" && Number.isInteger(value)) return value;
  if (typeof value === "string" && /^-?\d+$/.test(value)) return Number(value);
  return edge.timestamp;
}

export function timeDecayFactor(decay: TimeDecayPlan | null, edge: WhereEdge, nowMs: number): number {
  if (decay === null) return 1.0;
  const diff = nowMs - decayTime(decay, edge);
  return decay.initial * Math.pow(1.0 - decay.decayRate, diff / decay.timeUnit);
}

export function propagateScore(op: ScorePropagateOp, shrinkage: number, edgeScore: number, prevScore: number): number {
  switch (op) {
    case "plus": return edgeScore + prevScore;
    case "divide": return prevScore + shrinkage === 0 ? 0 : edgeScore / (prevScore + shrinkage);
    case "multiply": return edgeScore * prevScore;
  }
}

/** Divides each score by the sum of scores (S2Graph's `normalize`). */
export function normalizeScores(edges: readonly FetchedEdge[]): FetchedEdge[] {
  const sum = edges.reduce((acc, e) => acc + e.score, 0);
  return edges.map((e) => ({ ...e, score: e.score / sum }));
}
