import { describe, expect, test } from "bun:test";
import type { FetchedEdge } from "./edge.ts";
import type { QueryOptionsPlan } from "./plan.ts";
import { filterOutResult, finishQuery, groupEdges, mergeMultiQuery, orderEdges } from "./result.ts";
import { fetched } from "./test-fixtures.ts";

const options: QueryOptionsPlan = {
  select: [], orderBy: [], groupBy: null, filterOut: null, filterOutFields: ["_to"], removeCycle: true, withScore: true,
  returnTree: false, returnDegree: true, returnAgg: true, limit: null, scoreThreshold: Number.NEGATIVE_INFINITY,
  shouldPropagateScore: true, ignorePrevStepCache: false,
};

const e = (to: number, score: number, timestamp = 0, props: FetchedEdge["props"] = {}) => fetched({ from: 1, to, score, timestamp, props });
const tos = (edges: readonly FetchedEdge[]) => edges.map((x) => x.to);

describe("query: result: order", () => {
  test("query: result: by default score then timestamp, both descending", () => {
    expect(tos(orderEdges([e(1, 1, 5), e(2, 2, 1), e(3, 1, 9)], options))).toEqual([2, 3, 1]);
  });

  test("query: result: without withScore the fetch order stays", () => {
    expect(tos(orderEdges([e(1, 1), e(2, 2)], { ...options, withScore: false }))).toEqual([1, 2]);
  });

  test("query: result: orderBy keys, ascending or descending, props too; ties keep their order", () => {
    const edges = [e(1, 1, 0, { name: "b" }), e(2, 1, 0, { name: "a" }), e(3, 2, 0, { name: "b" }), e(4, 1, 0, { name: "a" })];
    expect(tos(orderEdges(edges, { ...options, orderBy: [{ key: "name", ascending: true }, { key: "score", ascending: false }] }))).toEqual([2, 4, 3, 1]);
  });

  test("query: result: only the first four orderBy keys count", () => {
    const keys = ["a", "b", "c", "d", "e"].map((key) => ({ key, ascending: true }));
    const edges = [e(1, 1, 0, { a: 0, b: 0, c: 0, d: 0, e: 2 }), e(2, 1, 0, { a: 0, b: 0, c: 0, d: 0, e: 1 })];
    expect(tos(orderEdges(edges, { ...options, orderBy: keys }))).toEqual([1, 2]);
  });

  test("query: result: values of mixed kinds order missing < boolean < number < string", () => {
    const edges = [e(1, 1, 0, { x: "s" }), e(2, 1, 0, { x: 5 }), e(3, 1, 0, {}), e(4, 1, 0, { x: true })];
    expect(tos(orderEdges(edges, { ...options, orderBy: [{ key: "x", ascending: true }] }))).toEqual([3, 4, 2, 1]);
  });
});

describe("query: result: group by", () => {
  const grouped = { ...options, groupBy: { keys: ["weight"], limit: 2, minimumShouldMatch: null } };
  const edges = [e(1, 1, 0, { weight: 10 }), e(2, 3, 0, { weight: 20 }), e(3, 2, 0, { weight: 10 }), e(4, 4, 0, { weight: 10 })];

  test("query: result: groups keep their top limit edges, sum those, and sort by the sum", () => {
    const groups = groupEdges(edges, grouped);
    expect(groups.map((g) => [g.key, g.scoreSum, tos(g.edges)])).toEqual([[[10], 6, [4, 3]], [[20], 3, [2]]]);
  });

  test("query: result: scoreThreshold drops groups whose whole sum is under it", () => {
    expect(groupEdges(edges, { ...grouped, scoreThreshold: 5 }).map((g) => g.key)).toEqual([[10]]);
  });

  test("query: result: filterOut removes matching edges from groups and their score", () => {
    const result = finishQuery(edges, grouped, [], [fetched({ from: 9, to: 4 }), fetched({ from: 9, to: 2 })]);
    expect(result.groups?.map((g) => [g.key, g.scoreSum, tos(g.edges)])).toEqual([[[10], 2, [3]]]);
  });
});

describe("query: result: filterOut and multi-query", () => {
  test("query: result: filterOut matches on the filterOutFields", () => {
    const result = { edges: [e(1, 1, 0, { w: 1 }), e(2, 1, 0, { w: 2 })], groups: null, degrees: [] };
    expect(tos(filterOutResult(result, [fetched({ from: 5, to: 1, props: { w: 9 } })], ["_to"]).edges)).toEqual([2]);
    expect(tos(filterOutResult(result, [fetched({ from: 5, to: 1, props: { w: 9 } })], ["_to", "w"]).edges)).toEqual([1, 2]);
    expect(filterOutResult(result, [], ["_to"])).toBe(result);
  });

  test("query: result: a multi-query weighs each query's scores and orders the merge", () => {
    const a = { edges: [e(1, 1), e(2, 1)], groups: null, degrees: [{ from: 1, label: "s2_test", direction: "out" as const, degree: 2 }] };
    const b = { edges: [e(3, 1), e(1, 1)], groups: null, degrees: [] };
    const merged = mergeMultiQuery([a, b], [1, 3], options, null);
    expect(merged.edges.map((x) => [x.to, x.score])).toEqual([[3, 3], [1, 3], [1, 1], [2, 1]]);
    expect(merged.degrees.length).toBe(1);
  });

  test("query: result: a grouped multi-query sums weighted scores per group, with no group limit", () => {
    const a = { edges: [e(1, 1, 0, { weight: 10 }), e(2, 1, 0, { weight: 10 }), e(3, 1, 0, { weight: 10 })], groups: null, degrees: [] };
    const b = { edges: [e(4, 1, 0, { weight: 1 }), e(5, 1, 0, { weight: 1 })], groups: null, degrees: [] };
    const merged = mergeMultiQuery([a, b], [10, 1], { ...options, groupBy: { keys: ["weight"], limit: 1, minimumShouldMatch: null } }, [fetched({ from: 0, to: 5 })]);
    expect(merged.groups?.map((g) => [g.key, g.scoreSum, g.edges.length])).toEqual([[[10], 30, 3], [[1], 1, 1]]);
  });
});
