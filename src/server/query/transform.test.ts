import { describe, expect, test } from "bun:test";
import { parseGetEdges } from "./parse-query.ts";
import type { LabelParamPlan, StepPlan } from "./plan.ts";
import { fetched, lookup } from "./test-fixtures.ts";
import { isDefaultTransform, transformEdge } from "./transform.ts";

function steps(entries: Array<Record<string, unknown>>, start: Record<string, unknown> = { serviceName: "s2graph", columnName: "user_id", id: 1 }): StepPlan[] {
  const plan = parseGetEdges({ srcVertices: [start], steps: entries.map((e) => [e]) }, lookup(), { nowMs: 0 });
  if (plan.body.kind !== "query") throw new Error("expected a query");
  return plan.body.query.steps;
}

function first(s: StepPlan[], i = 0): LabelParamPlan {
  return s[i]?.params[0] as LabelParamPlan;
}

describe("query: transform", () => {
  const edge = fetched({ from: 1, to: 2, props: { weight: 10, time: 3 } });

  test("query: transform: the default keeps the edge", () => {
    expect(isDefaultTransform([["_to"]])).toBe(true);
    expect(isDefaultTransform([["to"]])).toBe(true);
    expect(isDefaultTransform([["_to"], ["weight"]])).toBe(false);
    expect(transformEdge(first(steps([{ label: "s2_test" }])), edge, null)).toEqual([edge]);
  });

  test("query: transform: a field list makes that field the next hop, one edge per list", () => {
    const out = transformEdge(first(steps([{ label: "s2_test", transform: [["weight"], ["_from"], ["time"]] }])), edge, null);
    expect(out.map((e) => e.to)).toEqual([10, 1, 3]);
    expect(out[0]?.original).toBe(edge);
  });

  test("query: transform: a format fills each $ in turn, only into string columns", () => {
    const s = steps([{ label: "s2_test", transform: [["time.$.$", "time", "weight"]] }, { label: "tagged", transform: [["t$", "weight"]] }], { serviceName: "s2graph", columnName: "user_id", id: 1 });
    // The next step (tagged) starts from a string column: one formatted edge.
    expect(transformEdge(first(s), edge, s[1] ?? null).map((e) => e.to)).toEqual(["time.3.10"]);
    // At the last step the target column decides: s2_test's is long, so nothing continues.
    expect(transformEdge(first(s), edge, null)).toEqual([]);
    expect(transformEdge(first(s, 1), fetched({ label: "tagged", from: "i", to: "x", props: { weight: 4 } }), null).map((e) => e.to)).toEqual(["t4"]);
  });

  test("query: transform: trailing text after the last $ is dropped, as Java's split drops it", () => {
    const s = steps([{ label: "tagged", transform: [["a$b$", "weight"]] }], { serviceName: "s2graph", columnName: "item_id", id: "i" });
    expect(transformEdge(first(s), fetched({ label: "tagged", from: "i", to: "x", props: { weight: 4 } }), null).map((e) => e.to)).toEqual(["a4b"]);
  });
});
