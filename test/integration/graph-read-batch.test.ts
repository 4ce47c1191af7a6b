/**
 * Concurrent adjacency reads that wait share statements (src/store/graph/read-batch.ts), on both
 * engines: each caller gets exactly what it gets alone, fewer statements run, and one caller's
 * failing read fails only that caller.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import type { LabelDef, Mutation, PropValue } from "../../src/lib/index.ts";
import { referenceAdjacency } from "../../src/store/graph/reference-fold.ts";
import { MutationBuilder, testLabel } from "../../src/store/graph/test-fixtures.ts";
import { createGraphStore, type EdgesQuery, type Store } from "../../src/store/index.ts";
import { countingStore, engines, nextLabelId, openGraph, sinkRows, type GraphFixture } from "./graph-harness.ts";

setDefaultTimeout(30_000);

for (const engine of engines) {
  describe(`graph: ${engine}: read batches`, () => {
    let fx: GraphFixture;
    const statements: string[] = [];
    let counting: Store;
    const id = nextLabelId();
    const weak = testLabel(`rb${id}`, id, { column: `user_${id}`, consistency: "weak" });
    const strongId = nextLabelId();
    const strong = testLabel(`rb${strongId}`, strongId, { column: `user_${id}` });
    const mutations: Mutation[] = [];

    beforeAll(async () => {
      fx = await openGraph(engine, "grb");
      fx.registry.add(weak, strong);
      const b = new MutationBuilder(`rb${id}_`);
      for (let from = 1; from <= 12; from++) {
        for (let k = 0; k < from; k++) {
          mutations.push(b.edge("insert", 10 * from + k, weak.label, from, 100 + ((from * 7 + k) % 13), { weight: k }));
          mutations.push(b.edge("insert", 10 * from + k, strong.label, from, 100 + ((from + k) % 5), { weight: k }));
        }
      }
      // A pair delete and a deleteAll, so some batches take the exact slower paths.
      mutations.push(b.edge("delete", 1_000, weak.label, 3, 100 + ((3 * 7) % 13)), b.deleteAll(1_000, strong.label, 5, "out"));
      await fx.graph.writeMutations(sinkRows(mutations), `rb${id}`);
      counting = countingStore(fx.store, statements);
    }, 60_000);

    afterAll(async () => {
      await fx?.close();
    }, 60_000);

    function queries(label: LabelDef): EdgesQuery[] {
      return Array.from({ length: 12 }, (_, i) => ({
        label, direction: i % 3 === 2 ? "in" as const : "out" as const,
        vertexIds: i % 3 === 2 ? [100 + (i % 13), 101 + (i % 11)] : [1 + i, ((i * 5) % 12) + 1],
        limit: i % 2 === 0 ? 3 : 100,
      }));
    }

    test(`graph: ${engine}: read batches: concurrent reads get what each gets alone, in fewer statements`, async () => {
      for (const label of [weak, strong]) {
        const alone = createGraphStore(fx.store, { schema: fx.registry });
        const expected: Array<{ edges: unknown; degrees: unknown }> = [];
        for (const q of queries(label)) expected.push(await alone.edgesWithDegrees(q));
        for (const [i, q] of queries(label).entries()) {
          const reference = referenceAdjacency(label, q.direction, [...q.vertexIds] as PropValue[], mutations, [weak, strong]);
          const edges = (expected[i] as { edges: Array<{ from: PropValue }> }).edges;
          // The reference has every live edge; the read has each vertex's first `limit`.
          for (const v of q.vertexIds) {
            expect(edges.filter((e) => e.from === v)).toEqual(reference.filter((e) => e.from === v).slice(0, q.limit) as never);
          }
        }
        const shared = createGraphStore(counting, { schema: fx.registry, readsInFlightMax: 1 });
        await shared.ensureSchema();
        // A first read warms the tombstone hint, as `alone` was warmed by its reads.
        for (const q of queries(label)) await shared.edgesWithDegrees(q);
        statements.length = 0;
        const together = await Promise.all(queries(label).map((q) => shared.edgesWithDegrees(q)));
        expect(together).toEqual(expected as never);
        const sequentialCount = await (async () => {
          const before = statements.length;
          for (const q of queries(label)) await shared.edgesWithDegrees(q);
          return statements.length - before;
        })();
        const batchedCount = statements.length - sequentialCount;
        expect(batchedCount).toBeLessThan(sequentialCount);
        // Edges without degrees batch too, apart from the reads with degrees.
        const plain = await Promise.all(queries(label).map((q) => shared.edges(q)));
        expect(plain).toEqual(expected.map((e) => (e as { edges: unknown }).edges) as never);
      }
    });

    test(`graph: ${engine}: read batches: a read that fails in a batch fails alone, the others are answered`, async () => {
      const shared = createGraphStore(counting, { schema: fx.registry, readsInFlightMax: 1 });
      await shared.ensureSchema();
      const q = (vertexIds: PropValue[]): EdgesQuery => ({ label: weak, direction: "out", vertexIds, limit: 5 });
      // Longer than any statement may be: the read fails as "too_large" wherever it runs.
      const huge = "x".repeat(300 * 1024);
      const expected = await shared.edgesWithDegrees(q([4]));
      statements.length = 0;
      const [blocker, good, bad, good2] = await Promise.allSettled([
        shared.edgesWithDegrees(q([1])), shared.edgesWithDegrees(q([4])), shared.edgesWithDegrees(q([huge])), shared.edgesWithDegrees(q([4])),
      ]);
      expect(blocker?.status).toBe("fulfilled");
      expect(good).toEqual({ status: "fulfilled", value: expected });
      expect(good2).toEqual({ status: "fulfilled", value: expected });
      expect(bad?.status).toBe("rejected");
      // The three waiting reads were first tried as one batch (both ids in one statement).
      expect(statements.some((sql) => sql.includes("'4'") && sql.includes(huge))).toBe(true);
    });
  });
}
