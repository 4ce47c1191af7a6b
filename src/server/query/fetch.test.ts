import { describe, expect, test } from "bun:test";
import { inDuration, inInterval, indexOrder, referenceFetch } from "./fetch.ts";
import { parseGetEdges } from "./parse-query.ts";
import type { IntervalPlan, LabelParamPlan } from "./plan.ts";
import { lookup, s2Test, whereEdge } from "./test-fixtures.ts";

function param(entry: Record<string, unknown>, stepIndex = 0): LabelParamPlan {
  const steps = Array.from({ length: stepIndex + 1 }, (_, i) => [i === stepIndex ? { label: "s2_test", ...entry } : { label: "s2_test" }]);
  const plan = parseGetEdges({ srcVertices: [{ serviceName: "s2graph", columnName: "user_id", id: 1 }], steps }, lookup(), { nowMs: 0 });
  if (plan.body.kind !== "query") throw new Error("expected a query");
  return plan.body.query.steps[stepIndex]?.params[0] as LabelParamPlan;
}

describe("query: fetch", () => {
  test("query: fetch: duration is from <= timestamp < to, open where null", () => {
    expect([999, 1000, 1999, 2000].map((t) => inDuration({ fromMs: 1000, toMs: 2000 }, t))).toEqual([false, true, true, false]);
    expect(inDuration({ fromMs: null, toMs: 5 }, -1e15)).toBe(true);
    expect(inDuration(null, 0)).toBe(true);
  });

  test("query: fetch: interval is inclusive at both ends over the index prefix", () => {
    const interval: IntervalPlan = {
      from: [{ prop: "weight", dataType: "long", value: { kind: "literal", value: 10 } }, { prop: "time", dataType: "long", value: { kind: "literal", value: 5 } }],
      to: [{ prop: "weight", dataType: "long", value: { kind: "literal", value: 20 } }],
    };
    const at = (weight: number, time: number) => inInterval(interval, whereEdge(1, 2, 0, { weight, time }));
    expect([at(10, 4), at(10, 5), at(15, 0), at(20, 999), at(21, 0), at(9, 99)]).toEqual([false, true, true, true, false, false]);
  });

  test("query: fetch: an interval bound may read the parent edge, plus an offset", () => {
    const p = param({ index: "idx_2", interval: { from: { _timestamp: "${_parent._timestamp}" }, to: { _timestamp: "${_parent._timestamp + 2 hour}" } } }, 1);
    const parent = whereEdge(7, 1, 1_000, {});
    const at = (ts: number) => inInterval(p.interval, whereEdge(1, 2, ts, {}), [parent]);
    expect([at(999), at(1_000), at(1_000 + 7_200_000), at(1_001 + 7_200_000)]).toEqual([false, true, true, false]);
  });

  test("query: fetch: index order is descending values, then to, then timestamp", () => {
    const order = indexOrder(s2Test, "out", { name: "idx_wt", propNames: ["weight", "time"] });
    const edges = [whereEdge(1, 5, 1, { weight: 1, time: 1 }), whereEdge(1, 6, 1, { weight: 3, time: 0 }), whereEdge(1, 7, 1, { weight: 1, time: 2 }), whereEdge(1, 7, 9, { weight: 1, time: 2 }), whereEdge(1, 8, 1, { weight: 1, time: 1 })];
    expect([...edges].sort(order).map((e) => [e.to, e.timestamp])).toEqual([[6, 1], [7, 9], [7, 1], [8, 1], [5, 1]]);
  });

  test("query: fetch: limit counts rows before where filters them, as S2Graph's page", () => {
    const edges = [1, 2, 3, 4, 5].map((to) => whereEdge(1, to, to * 1000, { weight: to, is_hidden: to % 2 === 0 }));
    expect(referenceFetch(param({ limit: 3, where: "is_hidden = false" }), 1, edges).map((e) => e.to)).toEqual([5, 3]);
    expect(referenceFetch(param({ limit: 2, offset: 1 }), 1, edges).map((e) => e.to)).toEqual([4, 3]);
    expect(referenceFetch(param({ _to: 2 }), 1, edges).map((e) => e.to)).toEqual([2]);
    expect(referenceFetch(param({ duration: { from: 2000, to: 4000 } }), 1, edges).map((e) => e.to)).toEqual([3, 2]);
    expect(referenceFetch(param({}), 9, edges)).toEqual([]);
  });
});
