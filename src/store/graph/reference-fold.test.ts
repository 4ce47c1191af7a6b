/**
 * The reference fold against cases computed by hand from S2Graph's merge functions
 * (S2Edge.mergeUpsert/mergeUpdate/mergeIncrement/mergeDelete) and its own integration tests
 * (s2core/src/test/.../Integrate/CrudTest.scala, StrongLabelDeleteTest, WeakLabelDeleteTest).
 */
import { describe, expect, test } from "bun:test";
import type { Mutation, PropValue } from "../../lib/index.ts";
import { referenceAdjacency, referenceEdges, referenceVertices } from "./reference-fold.ts";
import { MutationBuilder, testColumn, testLabel } from "./test-fixtures.ts";

const strong = testLabel("friends", 1);
const weak = testLabel("views", 2, { consistency: "weak" });
const undirected = testLabel("pals", 3, { isDirected: false });
const labels = [strong, weak, undirected];

function propsOf(mutations: Mutation[], label = strong): Record<string, PropValue> | undefined {
  const edges = referenceEdges(label, mutations, labels);
  expect(edges.length).toBeLessThanOrEqual(1);
  return edges[0]?.props;
}

/** Every permutation of a small list. */
function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}

describe("graph: reference fold", () => {
  // CrudTest cases 1-13: every order of the same ops ends in the same props.
  const crudCases: Array<{ name: string; ops: Array<[number, "insert" | "update" | "delete", Record<string, PropValue>]>; expected: Record<string, PropValue> }> = [
    { name: "insert(t1) delete(t2) insert(t3)", ops: [[1, "insert", { time: 10 }], [2, "delete", {}], [3, "insert", { time: 10, weight: 20 }]], expected: { time: 10, weight: 20 } },
    { name: "update(t1) delete(t2) update(t3)", ops: [[1, "update", { time: 10 }], [2, "delete", {}], [3, "update", { time: 10, weight: 20 }]], expected: { time: 10, weight: 20 } },
    {
      name: "update(t5) insert(t1) insert(t3) delete(t2) update(t4)",
      ops: [[5, "update", { is_hidden: true }], [1, "insert", { note: "a" }], [3, "insert", { note: "b", weight: 10 }], [2, "delete", {}], [4, "update", { time: 1, weight: -10 }]],
      expected: { time: 1, weight: -10, note: "b", is_hidden: true },
    },
  ];
  for (const { name, ops, expected } of crudCases) {
    test(`graph: reference: S2Graph CrudTest ${name} gives the same props in every arrival order`, () => {
      for (const order of permutations(ops)) {
        const b = new MutationBuilder();
        const mutations = order.map(([ts, op, props]) => b.edge(op, ts, "friends", 1, 2, props));
        expect(propsOf(mutations)).toEqual({ ...strong.props.reduce((o, p) => ({ ...o, [p.name]: p.defaultValue }), {}), ...expected });
      }
    });
  }

  test("graph: reference: strong: an insert drops the older props it does not name; an update keeps them", () => {
    const b = new MutationBuilder();
    expect(propsOf([b.edge("insert", 1, "friends", 1, 2, { weight: 5, note: "x" }), b.edge("insert", 2, "friends", 1, 2, { time: 3 })]))
      .toMatchObject({ weight: 0, note: "", time: 3 });
    expect(propsOf([b.edge("insert", 1, "friends", 1, 2, { weight: 5, note: "x" }), b.edge("update", 2, "friends", 1, 2, { time: 3 })]))
      .toMatchObject({ weight: 5, note: "x", time: 3 });
  });

  test("graph: reference: strong: increments add to the value set before them and create an absent prop", () => {
    const b = new MutationBuilder();
    const m = [
      b.edge("increment", 1, "friends", 1, 2, { weight: 100 }), // before the insert: reset by it
      b.edge("insert", 2, "friends", 1, 2, { weight: 5 }),
      b.edge("increment", 3, "friends", 1, 2, { weight: 2, time: 7 }),
      b.edge("increment", 4, "friends", 1, 2, { weight: 1 }),
    ];
    expect(propsOf(m)).toMatchObject({ weight: 8, time: 7 });
    expect(referenceEdges(strong, m, labels)[0]?.ts).toBe(4);
  });

  test("graph: reference: strong: incr(t0), incr(t2), delete(t1) keeps only the later increment (S2Edge.mergeIncrement)", () => {
    const b = new MutationBuilder();
    const m = [b.edge("increment", 0, "friends", 1, 2, { weight: 1 }), b.edge("increment", 2, "friends", 1, 2, { weight: 10 }), b.edge("delete", 1, "friends", 1, 2)];
    expect(propsOf(m)).toMatchObject({ weight: 10 });
  });

  test("graph: reference: strong: an older insert after a delete stays deleted", () => {
    const b = new MutationBuilder();
    expect(propsOf([b.edge("delete", 5, "friends", 1, 2), b.edge("insert", 3, "friends", 1, 2, { weight: 1 })])).toBeUndefined();
  });

  test("graph: reference: equal timestamps: delete beats insert, update applies after insert, increment after update", () => {
    const b = new MutationBuilder();
    expect(propsOf([b.edge("insert", 5, "friends", 1, 2, { weight: 1 }), b.edge("delete", 5, "friends", 1, 2)])).toBeUndefined();
    expect(propsOf([b.edge("update", 5, "friends", 1, 2, { weight: 9 }), b.edge("insert", 5, "friends", 1, 2, { weight: 1, note: "i" })]))
      .toMatchObject({ weight: 9, note: "i" });
    expect(propsOf([b.edge("increment", 5, "friends", 1, 2, { weight: 1 }), b.edge("update", 5, "friends", 1, 2, { weight: 9 })]))
      .toMatchObject({ weight: 10 });
    // Same op and timestamp: the greater id applies last.
    expect(propsOf([b.edge("insert", 5, "friends", 1, 2, { note: "z" }, "b"), b.edge("insert", 5, "friends", 1, 2, { note: "a" }, "a")]))
      .toMatchObject({ note: "z" });
  });

  test("graph: reference: deleteAll hides the vertex's older edges in both directions' reads, not newer ones", () => {
    const b = new MutationBuilder();
    // StrongLabelDeleteTest "Strong consistency deleteAll": deleteAll(20, in) at 100.
    const m = [
      b.edge("insert", 5, "friends", 10, 20), b.edge("insert", 6, "friends", 10, 21), b.edge("insert", 7, "friends", 11, 20),
      b.deleteAll(100, "friends", 20, "in"),
    ];
    expect(referenceAdjacency(strong, "out", [10, 11], m, labels).map((e) => [e.from, e.to])).toEqual([[10, 21]]);
    expect(referenceAdjacency(strong, "in", [20], m, labels)).toEqual([]);
    m.push(b.edge("insert", 101, "friends", 11, 20));
    expect(referenceAdjacency(strong, "in", [20], m, labels).map((e) => [e.from, e.to])).toEqual([[20, 11]]);
  });

  test("graph: reference: weak: multi-edges stay; a delete hides the pair's edges at or before it", () => {
    const b = new MutationBuilder();
    // WeakLabelDeleteHelper.bulkEdges: three edges 0 -> 1 and one 0 -> 2.
    const m = [
      b.edge("insert", 1, "views", 0, 1, { time: 10 }), b.edge("insert", 2, "views", 0, 1, { time: 11 }),
      b.edge("insert", 3, "views", 0, 1, { time: 12 }), b.edge("insert", 4, "views", 0, 2, { time: 10 }),
    ];
    expect(referenceAdjacency(weak, "out", [0], m, labels).map((e) => [e.to, e.ts])).toEqual([[2, 4], [1, 3], [1, 2], [1, 1]]);
    m.push(b.edge("delete", 2, "views", 0, 1));
    expect(referenceAdjacency(weak, "out", [0], m, labels).map((e) => [e.to, e.ts])).toEqual([[2, 4], [1, 3]]);
  });

  test("graph: reference: undirected: both ends read the same edge, and ops from either end merge", () => {
    const b = new MutationBuilder();
    const m = [b.edge("insert", 1, "pals", 1, 2, { weight: 3 }), b.edge("update", 2, "pals", 2, 1, { note: "x" })];
    expect(referenceAdjacency(undirected, "out", [1, 2], m, labels).map((e) => [e.from, e.to, e.props.weight, e.props.note]))
      .toEqual([[1, 2, 3, "x"], [2, 1, 3, "x"]]);
  });

  test("graph: reference: vertices: insert and update set what they name; delete hides older props; deleteAll hides edges too", () => {
    const b = new MutationBuilder();
    const column = testColumn();
    const m = [
      b.vertex("insert", 1, "user_id", 7, { age: 30 }), b.vertex("insert", 2, "user_id", 7, { country: "jp" }),
      b.vertex("update", 3, "user_id", 8, { age: 40 }), b.vertex("delete", 4, "user_id", 8),
      b.edge("insert", 1, "friends", 7, 9), b.edge("insert", 9, "friends", 9, 7), b.vertex("deleteAll", 5, "user_id", 7),
      b.vertex("insert", 6, "user_id", 7, { country: "us" }),
    ];
    expect(referenceVertices(column, [7, 8], m)).toEqual([{ id: 7, ts: 6, props: { age: 18, country: "us" } }]);
    expect(referenceEdges(strong, m, labels).map((e) => [e.from, e.to])).toEqual([["9", "7"]]);
  });
});
