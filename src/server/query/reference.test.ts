import { describe, expect, test } from "bun:test";
import type { LabelDef } from "../../lib/index.ts";
import { parseGetEdges } from "./parse-query.ts";
import { referenceGetEdges, type ReferenceGraph } from "./reference.ts";
import type { Json, JsonRecord } from "./response.ts";
import { lookup, s2Test, s2Test2, whereEdge } from "./test-fixtures.ts";
import type { WhereEdge } from "./where-ast.ts";

// Ported from S2Graph's Integrate/QueryTest, run through parseGetEdges and the reference executor.

const nowMs = 1_700_000_000_000;
const schema = lookup();

type Row = [ts: number, from: number | string, to: number | string, props?: Record<string, WhereEdge["from"]>];

function graph(rows: Row[], rows2: Row[] = []): ReferenceGraph {
  const toEdges = (rs: Row[], label: LabelDef) => rs.map(([ts, from, to, props]) => whereEdge(Number(from), Number(to), ts, props ?? {}, label));
  const byLabel: Record<string, WhereEdge[]> = { s2_test: toEdges(rows, s2Test), s2_test2: toEdges(rows2, s2Test2) };
  return { edges: (label) => byLabel[label.label] ?? [] };
}

/** QueryTest's initTestData. */
const initTestData: Row[] = [
  [1000, 0, 1, { weight: 40, is_hidden: true }], [2000, 0, 2, { weight: 30, is_hidden: false }],
  [3000, 2, 0, { weight: 20 }], [4000, 2, 1, { weight: 10 }], [3000, 10, 20, { weight: 20 }], [4000, 20, 20, { weight: 10 }],
  [1, -1, 1000], [1, -1, 2000], [1, -1, 3000], [1, 1000, 10000], [1, 1000, 11000], [1, 2000, 11000], [1, 2000, 12000],
  [1, 3000, 12000], [1, 3000, 13000], [1, 10000, 100000], [2, 11000, 200000], [3, 12000, 300000],
];

async function run(body: unknown, g: ReferenceGraph = graph(initTestData), random?: () => number): Promise<JsonRecord> {
  const plan = parseGetEdges(body, schema, { nowMs });
  return (await referenceGetEdges(plan, g, random ? { random } : {})) as JsonRecord;
}

function results(json: JsonRecord): JsonRecord[] {
  return json.results as JsonRecord[];
}

function src(...ids: Array<number | string>) {
  return [{ serviceName: "s2graph", columnName: "user_id", ids }];
}

function single(id: number | string, entry: Record<string, unknown>, options: Record<string, unknown> = {}) {
  return { srcVertices: src(id), steps: [[{ label: "s2_test", ...entry }]], ...options };
}

describe("query: reference: S2Graph QueryTest", () => {
  test("query: reference: get edge with where condition", async () => {
    expect(results(await run(single(0, { where: "is_hidden=false and _from in (-1, 0)" }))).length).toBe(1);
    expect(results(await run(single(0, { where: "is_hidden=true and _to in (1)" }))).length).toBe(1);
    expect(results(await run(single(0, { where: "_from=0" }))).length).toBe(2);
    expect(results(await run(single(2, { where: "_from=2 or weight in (-1)" }))).length).toBe(2);
    expect(results(await run(single(2, { where: "_from=2 and weight in (10, 20)" }))).length).toBe(2);
  });

  test("query: reference: degree with where clause", async () => {
    const json = await run(single(2, { where: "_from != 2" }));
    expect(results(json)).toEqual([]);
    expect(json.degrees).toEqual([{ from: 2, label: "s2_test", direction: "out", _degree: 2 }]);
  });

  test("query: reference: interval on the timestamp index and on the weight index", async () => {
    const interval = async (id: number, index: string, prop: string, from: number, to: number) =>
      results(await run(single(id, { index, interval: { from: { [prop]: from }, to: { [prop]: to } } }))).length;
    expect(await interval(0, "idx_2", "_timestamp", 1000, 1001)).toBe(1);
    expect(await interval(0, "idx_2", "_timestamp", 1000, 2000)).toBe(2);
    expect(await interval(2, "idx_1", "weight", 10, 11)).toBe(1);
    expect(await interval(2, "idx_1", "weight", 10, 20)).toBe(2);
  });

  test("query: reference: get edge exclude", async () => {
    const body = { srcVertices: src(0), steps: [[{ label: "s2_test", limit: 2 }, { label: "s2_test", direction: "in", limit: 2, exclude: true }]] };
    expect(results(await run(body)).map((r) => r.to)).toEqual([1]);
  });

  test("query: reference: get edge groupBy property", async () => {
    const json = await run(single(0, {}, { groupBy: ["weight"] }));
    expect(json.size).toBe(2);
    expect(results(json).map((g) => (g.groupBy as JsonRecord).weight).sort()).toEqual([30, 40]);
  });

  test("query: reference: edge transform", async () => {
    expect(results(await run(single(0, { transform: [["_to"]] }))).length).toBe(2);
    const byWeight = results(await run(single(0, { transform: [["weight"]] })));
    expect(byWeight.map((r) => r.to).sort()).toEqual(byWeight.map((r) => (r.props as JsonRecord).weight).sort());
    const byFrom = results(await run(single(0, { transform: [["_from"]] })));
    expect(byFrom.map((r) => r.to)).toEqual(byFrom.map((r) => r.from));
  });

  test("query: reference: index order: weight descending on idx_1, newest first on idx_2", async () => {
    const first = async (index: string) => (results(await run({ withScore: false, ...single(0, { index }) }))[0]?.props as JsonRecord).weight;
    expect(await first("idx_1")).toBe(40);
    expect(await first("idx_2")).toBe(30);
  });

  test("query: reference: duration is inclusive at from and exclusive at to", async () => {
    const duration = async (from: number, to: number) => results(await run({ srcVertices: src(0, 2), steps: [{ step: [{ label: "s2_test", duration: { from, to } }] }] })).length;
    expect(await duration(0, 5000)).toBe(4);
    expect(await duration(1000, 4000)).toBe(3);
    expect(await duration(1000, 2000)).toBe(1);
  });

  test("query: reference: return tree, with and without select", async () => {
    const g = graph([...initTestData, [1001, 100, 200]]);
    const steps = [[{ label: "s2_test", direction: "out", limit: 2 }], [{ label: "s2_test", direction: "in", limit: 1000 }]];
    const selected = results(await run({ select: ["weight"], returnTree: true, srcVertices: src(100), steps }, g));
    expect(selected.length).toBe(1);
    for (const edge of selected) {
      const parents = edge.parents as JsonRecord[];
      expect(parents.length).toBe(1);
      expect(parents[0]?.props).toEqual({ weight: 0 });
    }
    const all = results(await run({ returnTree: true, srcVertices: src(100), steps }, g));
    for (const edge of all) {
      const props = (edge.parents as JsonRecord[])[0]?.props as JsonRecord;
      expect([props.weight, props.is_hidden, props.is_blocked, props.time]).toEqual([0, false, false, 0]);
      expect((edge.parents as JsonRecord[])[0]?.parents).toEqual([]);
    }
  });

  test("query: reference: pagination and _to", async () => {
    const s = 123_456;
    const g = graph([[1001, s, 1, { weight: 10, is_hidden: true }], [2002, s, 2, { weight: 20, is_hidden: false }], [3003, s, 3, { weight: 30 }], [4004, s, 4, { weight: 40 }]]);
    expect(results(await run(single(s, { offset: 0, limit: 2 }), g)).map((r) => r.to)).toEqual([4, 3]);
    expect(results(await run(single(s, { offset: 1, limit: 2 }), g)).map((r) => r.to)).toEqual([3, 2]);
    expect(results(await run(single(s, { offset: 0, limit: -1, _to: 1 }), g)).length).toBe(1);
  });

  test("query: reference: order by score, descending and ascending", async () => {
    const g = graph([[1001, 0, 1, { weight: 10, is_hidden: true }], [2002, 0, 2, { weight: 20, is_hidden: false }], [3003, 2, 0, { weight: 30 }], [4004, 2, 1, { weight: 40 }]]);
    const q = async (orderBy?: unknown) => results(await run({ ...(orderBy ? { orderBy } : {}), srcVertices: src(0), steps: [{ step: [{ label: "s2_test", scoring: { weight: 1 } }] }] }, g)).map((r) => r.to);
    expect(await q()).toEqual([2, 1]);
    expect(await q([{ score: "DESC", timestamp: "DESC" }])).toEqual([2, 1]);
    expect(await q([{ score: "ASC", timestamp: "DESC" }])).toEqual([1, 2]);
  });

  test("query: reference: query with sampling", async () => {
    const ts = 1_442_985_659_166;
    const g = graph(
      [[ts, 22, 122], [ts, 22, 222], [ts, 22, 322], [ts, 122, 1122], [ts, 122, 1222], [ts, 122, 1322], [ts, 222, 2122], [ts, 222, 2222], [ts, 222, 2322], [ts, 322, 3122], [ts, 322, 3222], [ts, 322, 3322]],
      [[ts, 22, 922], [ts, 22, 222], [ts, 22, 322]],
    );
    let i = 0;
    const random = () => ((i++ * 0.37) % 1);
    const sampled = { label: "s2_test", direction: "out", offset: 0, limit: 100, sample: 2 };
    expect(results(await run({ srcVertices: src(22), steps: [{ step: [sampled] }] }, g, random)).length).toBe(2);
    expect(results(await run({ srcVertices: src(22), steps: [{ step: [sampled] }, { step: [sampled] }] }, g, random)).length).toBe(4);
    const twoLabels = { srcVertices: src(22), steps: [{ step: [{ ...sampled, limit: 50 }, { label: "s2_test2", direction: "out", offset: 0, limit: 50 }] }] };
    expect(results(await run(twoLabels, g, random)).length).toBe(5);
  });

  test("query: reference: query with filterOut query", async () => {
    const g = graph([[1, -23, 111, { weight: 10 }], [2, -23, 222, { weight: 10 }], [3, -23, 333, { weight: 10 }], [4, -25, 111, { weight: 1 }], [5, -25, 333, { weight: 1 }], [6, -25, 555, { weight: 1 }]]);
    const body = {
      limit: 10,
      filterOut: { srcVertices: src(-23), steps: [{ step: [{ label: "s2_test", direction: "out", offset: 0, limit: 10 }] }] },
      srcVertices: src(-25), steps: [{ step: [{ label: "s2_test", direction: "out", offset: 0, limit: 5 }] }],
    };
    expect(results(await run(body, g)).map((r) => r.to)).toEqual([555]);
  });

  test("query: reference: weighted union", async () => {
    const g = graph([[1, 1, 111, { weight: 10 }], [2, 1, 222, { weight: 10 }], [3, 1, 333, { weight: 10 }]], [[4, 2, 444, { weight: 1 }], [5, 2, 555, { weight: 1 }], [6, 2, 666, { weight: 1 }]]);
    const body = {
      limit: 10, weights: [10, 1], groupBy: ["weight"],
      queries: [
        { srcVertices: src(1), steps: [{ step: [{ label: "s2_test", direction: "out", offset: 0, limit: 5 }] }] },
        { srcVertices: src(2), steps: [{ step: [{ label: "s2_test2", direction: "out", offset: 0, limit: 5 }] }] },
      ],
    };
    const rs = results(await run(body, g));
    expect(rs.map((r) => [r.scoreSum, (r.agg as Json[]).length])).toEqual([[30, 3], [3, 3]]);
  });

  test("query: reference: weighted union with options", async () => {
    const g = graph([[1, -192848, 111, { weight: 10 }], [2, -192848, 222, { weight: 10 }], [3, -192848, 333, { weight: 10 }], [4, -193849, 111, { weight: 1 }], [5, -193849, 333, { weight: 1 }], [6, -193849, 555, { weight: 1 }]]);
    const step = (id: number, limit: number) => ({ srcVertices: src(id), steps: [{ step: [{ label: "s2_test", direction: "out", offset: 0, limit }] }] });
    const body = { limit: 10, weights: [10, 1], groupBy: ["to"], select: ["to", "weight"], filterOut: step(-192848, 10), queries: [step(-192848, 5), step(-193849, 5)] };
    const rs = results(await run(body, g));
    expect(rs.length).toBe(1);
    expect(rs[0]).toEqual({ groupBy: { to: 555 }, scoreSum: 1, agg: [{ score: 1, to: 555, props: { weight: 1 } }] });
  });

  test("query: reference: scoreThreshold applies to group score sums", async () => {
    const t = -23_903;
    const g = graph([[1, t, 101, { weight: 10 }], [1, t, 102, { weight: 10 }], [1, t, 103, { weight: 10 }], [1, 101, 102, { weight: 10 }], [1, 101, 103, { weight: 10 }], [1, 101, 104, { weight: 10 }], [1, 102, 103, { weight: 10 }], [1, 102, 104, { weight: 10 }], [1, 103, 105, { weight: 10 }]]);
    const body = (scoreThreshold: number) => ({
      limit: 10, scoreThreshold, groupBy: ["to"], srcVertices: src(t),
      steps: [{ step: [{ label: "s2_test", direction: "out", offset: 0, limit: 10 }] }, { step: [{ label: "s2_test", direction: "out", offset: 0, limit: 10 }] }],
    });
    // Groups with equal sums come in first-seen order (S2Graph's come from a hash map).
    expect(results(await run(body(2), g)).map((r) => [(r.groupBy as JsonRecord).to, r.scoreSum])).toEqual([[104, 2], [103, 2]]);
    expect(results(await run(body(1), g)).length).toBe(4);
  });
});

describe("query: reference: response shape", () => {
  test("query: reference: one edge in S2Graph's JSON, with _timestamp beside timestamp", async () => {
    const json = await run(single(0, { limit: 1, index: "idx_2" }));
    expect(json).toEqual({
      size: 1,
      degrees: [{ from: 0, label: "s2_test", direction: "out", _degree: 2 }],
      results: [{
        score: 1, from: 0, to: 2, label: "s2_test",
        props: { _timestamp: 2000, is_hidden: false, is_blocked: false, weight: 30, time: 0, name: "", phone_number: "", affinity: 0 },
        direction: "out", timestamp: 2000, _timestamp: 2000,
      }],
    });
  });

  test("query: reference: an array body answers an array, a union an object", async () => {
    expect(await run([single(0, { limit: 1 }), single(2, { limit: 1 })] as unknown as Record<string, unknown>) as unknown as Json[]).toHaveLength(2);
    const union = await run({ union: { a: single(0, {}), b: single(2, {}) } });
    expect(Object.keys(union)).toEqual(["a", "b"]);
    expect((union.a as JsonRecord).size).toBe(2);
  });

  test("query: reference: direction in reads the edge from its target, and from is the queried vertex", async () => {
    const rs = results(await run(single(1, { direction: "in" })));
    expect(rs.map((r) => [r.from, r.to, r.direction])).toEqual([[1, 2, "in"], [1, 0, "in"]]);
  });
});
