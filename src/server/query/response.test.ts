import { describe, expect, test } from "bun:test";
import type { QueryOptionsPlan } from "./plan.ts";
import { edgeToJson, emptyGetEdgesJson, toGetEdgesJson } from "./response.ts";
import { fetched } from "./test-fixtures.ts";

const options: QueryOptionsPlan = {
  select: [], orderBy: [], groupBy: null, filterOut: null, filterOutFields: ["_to"], removeCycle: true, withScore: true,
  returnTree: false, returnDegree: true, returnAgg: true, limit: null, scoreThreshold: Number.NEGATIVE_INFINITY,
  shouldPropagateScore: true, ignorePrevStepCache: false,
};

const edge = fetched({ from: 101, to: "10", timestamp: 6, score: 1, props: { time: -30, weight: 0 } });

describe("query: response", () => {
  test("query: response: an edge has score, from, to, label, props with _timestamp, direction, timestamp, _timestamp", () => {
    expect(edgeToJson(edge, options)).toEqual({ score: 1, from: 101, to: "10", label: "s2_test", props: { _timestamp: 6, time: -30, weight: 0 }, direction: "out", timestamp: 6, _timestamp: 6 });
    expect(edgeToJson(edge, { ...options, withScore: false })).not.toHaveProperty("score");
  });

  test("query: response: select keeps score, the selected fields, and the selected props", () => {
    expect(edgeToJson(edge, { ...options, select: ["from", "to", "label", "weight", "colour", "timestamp"] })).toEqual({
      score: 1, from: 101, to: "10", label: "s2_test", timestamp: 6, props: { weight: 0, timestamp: 6 },
    });
  });

  test("query: response: returnTree nests parents, showing an edge as it was before a transform", () => {
    const parent = fetched({ from: 1, to: 101, timestamp: 2, props: {}, parents: [] });
    const shown = fetched({ from: 1, to: 999, timestamp: 2, props: {}, original: parent });
    const child = { ...edge, parents: [shown] };
    expect(edgeToJson(child, { ...options, returnTree: true, select: ["to"] })).toEqual({ score: 1, to: "10", props: {}, parents: [{ score: 1, to: 101, props: {}, parents: [] }] });
  });

  test("query: response: size, degrees and results; the query limit cuts results", () => {
    const json = toGetEdgesJson({ edges: [edge, { ...edge, to: "11" }], groups: null, degrees: [{ from: 101, label: "s2_test", direction: "out", degree: 3 }] }, { ...options, limit: 1, select: ["to"] });
    expect(json).toEqual({ size: 1, degrees: [{ from: 101, label: "s2_test", direction: "out", _degree: 3 }], results: [{ score: 1, to: "10", props: {} }] });
  });

  test("query: response: returnDegree false empties degrees; an impression id is added", () => {
    const json = toGetEdgesJson({ edges: [], groups: null, degrees: [{ from: 1, label: "l", direction: "in", degree: 1 }] }, { ...options, returnDegree: false }, { impressionId: "imp-1" });
    expect(json).toEqual({ size: 0, degrees: [], results: [], "S2-Impression-Id": "imp-1" });
  });

  test("query: response: groups show groupBy, scoreSum and agg; returnAgg false empties agg", () => {
    const grouped = { ...options, groupBy: { keys: ["to", "missing"], limit: 10, minimumShouldMatch: null }, select: ["to"] };
    const result = { edges: [], groups: [{ key: ["10", undefined], scoreSum: 2, edges: [edge] }], degrees: [] };
    expect(toGetEdgesJson(result, grouped)).toEqual({ size: 1, degrees: [], results: [{ groupBy: { to: "10", missing: null }, scoreSum: 2, agg: [{ score: 1, to: "10", props: {} }] }] });
    expect(toGetEdgesJson(result, { ...grouped, returnAgg: false }).results).toEqual([{ groupBy: { to: "10", missing: null }, scoreSum: 2, agg: [] }]);
  });

  test("query: response: S2Graph's empty result", () => {
    expect(emptyGetEdgesJson()).toEqual({ size: 0, degrees: [], results: [], isEmpty: true, rpcFail: 0 });
  });
});
