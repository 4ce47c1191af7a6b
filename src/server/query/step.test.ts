import { describe, expect, test } from "bun:test";
import type { FetchedEdge } from "./edge.ts";
import { parseGetEdges } from "./parse-query.ts";
import type { LabelParamPlan, QueryPlan } from "./plan.ts";
import { applyDuplicatePolicy, combineStep, nextFrontier, paramsFor, removeCycles, sampleEdges, startFrontier, stepEdges, stepGroupByFilter } from "./step.ts";
import { fetched, lookup, whereEdge } from "./test-fixtures.ts";

function query(body: Record<string, unknown>): QueryPlan {
  const plan = parseGetEdges({ srcVertices: [{ serviceName: "s2graph", columnName: "user_id", ids: [1] }], ...body }, lookup(), { nowMs: 0 });
  if (plan.body.kind !== "query") throw new Error("expected a query");
  return plan.body.query;
}

function params(...entries: Array<Record<string, unknown>>): LabelParamPlan[] {
  return query({ steps: [entries] }).steps[0]?.params ?? [];
}

const e = (to: number, score: number, extra: Partial<FetchedEdge> = {}) => fetched({ from: 1, to, score, ...extra });

describe("query: step: frontier", () => {
  test("query: step: a source vertex starts with (times listed) x (first-step labels), as S2Graph's seed", () => {
    const q = query({ srcVertices: [{ serviceName: "s2graph", columnName: "user_id", ids: [1, 1, 2] }], steps: [[{ label: "s2_test" }, { label: "s2_test2" }]] });
    expect(startFrontier(q).map((v) => [v.id, v.score])).toEqual([[1, 4], [2, 2]]);
  });

  test("query: step: first-step labels read only the vertices of the column they start from", () => {
    const q = query({ srcVertices: [{ serviceName: "s2graph", columnName: "user_id", ids: [1] }, { serviceName: "s2graph", columnName: "item_id", ids: ["i"] }], steps: [[{ label: "s2_test" }, { label: "viewed", direction: "in" }]] });
    const [user, item] = startFrontier(q);
    const step = q.steps[0];
    if (!step || !user || !item) throw new Error("fixture");
    expect(paramsFor(step, 0, user).map((p) => p.label.label)).toEqual(["s2_test"]);
    expect(paramsFor(step, 0, item).map((p) => p.label.label)).toEqual(["viewed"]);
  });

  test("query: step: the next frontier sums scores per target, keeps those at the threshold, and the top nextStepLimit", () => {
    const q = query({ steps: [{ step: [{ label: "s2_test" }], nextStepLimit: 2, nextStepThreshold: 1.5 }] });
    const step = q.steps[0];
    if (!step) throw new Error("fixture");
    const edges = [e(10, 1), e(11, 3), e(10, 1), e(12, 1), e(13, 2.5)];
    const next = nextFrontier(edges, step, { shouldPropagateScore: true });
    expect(next.map((v) => [v.id, v.score, v.parents.length])).toEqual([[11, 3, 1], [13, 2.5, 1]]);
    const unlimited = nextFrontier(edges, { ...step, nextStepLimit: -1 }, { shouldPropagateScore: false });
    expect(unlimited.map((v) => [v.id, v.score, v.scoreSum])).toEqual([[10, 1, 2], [11, 1, 3], [13, 1, 2.5]]);
  });
});

describe("query: step: scoring one fetch", () => {
  test("query: step: score = propagate(rank, vertex score) x label weight x time decay", () => {
    const q = query({ steps: [{ step: [{ label: "s2_test", scoring: { weight: 1 }, scorePropagateOp: "plus", timeDecay: { decayRate: 0.5, timeUnit: 1000 } }], weights: { s2_test: 2 } }] });
    const param = q.steps[0]?.params[0] as LabelParamPlan;
    const vertex = { columnName: "user_id", id: 1, score: 3, scoreSum: 3, parents: [] };
    const out = stepEdges(param, vertex, [whereEdge(1, 2, 9_000, { weight: 5 })], { nowMs: 10_000, nextStep: null });
    expect(out.map((x) => [x.label, x.direction, x.to, x.score])).toEqual([["s2_test", "out", 2, (5 + 3) * 2 * 0.5]]);
  });

  test("query: step: sample keeps n edges in their order; normalize divides by the sum", () => {
    const [param] = params({ label: "s2_test", sample: 2, normalize: true });
    const vertex = { columnName: "user_id", id: 1, score: 1, scoreSum: 1, parents: [] };
    const rows = [1, 2, 3, 4].map((to) => whereEdge(1, to, 0, {}));
    const picks = [0.9, 0.1, 0.9];
    const out = stepEdges(param as LabelParamPlan, vertex, rows, { nowMs: 0, nextStep: null, random: () => picks.shift() ?? 0 });
    expect(out.map((x) => [x.to, x.score])).toEqual([[1, 0.5], [4, 0.5]]);
    expect(sampleEdges([1, 2, 3], 5)).toEqual([1, 2, 3]);
    expect(sampleEdges([1, 2, 3], -1)).toEqual([1, 2, 3]);
  });
});

describe("query: step: combining a step", () => {
  test("query: step: duplicate first keeps the first edge in fetch order", () => {
    const [p] = params({ label: "s2_test", duplicate: "first" });
    expect(applyDuplicatePolicy(p as LabelParamPlan, [e(2, 1, { timestamp: 6 }), e(2, 1, { timestamp: 5 })])).toEqual([e(2, 1, { timestamp: 6 })]);
  });

  test("query: step: duplicate sum and countSum keep the first edge with the sum or the count", () => {
    const group = [e(2, 1.5, { timestamp: 6 }), e(2, 2, { timestamp: 5 }), e(2, 1, { timestamp: 4 })];
    expect(applyDuplicatePolicy(params({ label: "s2_test", duplicate: "sum" })[0] as LabelParamPlan, group)).toEqual([e(2, 4.5, { timestamp: 6 })]);
    expect(applyDuplicatePolicy(params({ label: "s2_test", duplicate: "countSum" })[0] as LabelParamPlan, group)).toEqual([e(2, 3, { timestamp: 6 })]);
    expect(applyDuplicatePolicy(params({ label: "s2_test", duplicate: "raw" })[0] as LabelParamPlan, group)).toEqual(group);
  });

  test("query: step: duplicate policies do not apply to strong labels", () => {
    const [p] = params({ label: "follow", duplicate: "first" });
    const group = [e(2, 1, { label: "follow" }), e(2, 1, { label: "follow", timestamp: 9 })];
    expect(applyDuplicatePolicy(p as LabelParamPlan, group)).toEqual(group);
  });

  test("query: step: duplicates collapse per (from, label, direction, to), in first-seen order", () => {
    const [p] = params({ label: "s2_test", duplicate: "countSum" });
    const out = combineStep([{ param: p as LabelParamPlan, edges: [e(2, 1), e(3, 1), e(2, 1), fetched({ from: 9, to: 2, score: 1 })] }]);
    expect(out.map((x) => [x.from, x.to, x.score])).toEqual([[1, 2, 2], [1, 3, 1], [9, 2, 1]]);
  });

  test("query: step: an exclude label removes the same (from, to) from other labels unless an include label has it", () => {
    const [keep, drop, ban] = params({ label: "s2_test" }, { label: "s2_test2", include: true }, { label: "s2_test", direction: "in", exclude: true });
    const out = combineStep([
      { param: keep as LabelParamPlan, edges: [e(2, 1), e(3, 1)] },
      { param: drop as LabelParamPlan, edges: [e(2, 1, { label: "s2_test2" })] },
      { param: ban as LabelParamPlan, edges: [e(2, 1, { direction: "in" })] },
    ]);
    // The include label saves the pair (1, 2) for every label, as S2Graph's filter-hash sets.
    expect(out.map((x) => [x.label, x.to])).toEqual([["s2_test", 2], ["s2_test", 3], ["s2_test2", 2]]);
    const withoutInclude = combineStep([
      { param: keep as LabelParamPlan, edges: [e(2, 1), e(3, 1)] },
      { param: ban as LabelParamPlan, edges: [e(2, 1, { direction: "in" })] },
    ]);
    expect(withoutInclude.map((x) => x.to)).toEqual([3]);
  });

  test("query: step: threshold drops edges under it, with or without duplicates", () => {
    const [p] = params({ label: "s2_test", threshold: 2 });
    expect(combineStep([{ param: p as LabelParamPlan, edges: [e(2, 1), e(3, 2), e(4, 5)] }]).map((x) => x.to)).toEqual([3, 4]);
    const [sum] = params({ label: "s2_test", threshold: 2, duplicate: "sum" });
    expect(combineStep([{ param: sum as LabelParamPlan, edges: [e(2, 1), e(2, 1.5), e(3, 1)] }]).map((x) => [x.to, x.score])).toEqual([[2, 2.5]]);
  });

  test("query: step: minimumShouldMatch keeps groups with enough edges whose prop is a term", () => {
    const groupBy = { keys: ["from"], limit: 10, minimumShouldMatch: { prop: "to", count: 2, terms: [2, 3] } };
    const edges = [e(2, 1), e(3, 1), e(4, 1), fetched({ from: 7, to: 2, score: 1 }), fetched({ from: 7, to: 5, score: 1 })];
    expect(stepGroupByFilter(edges, groupBy).map((x) => [x.from, x.to])).toEqual([[1, 2], [1, 3], [1, 4]]);
    expect(stepGroupByFilter(edges, { ...groupBy, minimumShouldMatch: null })).toEqual(edges);
    expect(stepGroupByFilter(edges, null)).toEqual(edges);
  });

  test("query: step: removeCycles drops targets an earlier step reached by the same label and direction", () => {
    expect(removeCycles([e(2, 1), e(3, 1), e(4, 1, { direction: "in" })], [[e(3, 1), e(4, 1)]]).map((x) => x.to)).toEqual([2, 4]);
  });
});
