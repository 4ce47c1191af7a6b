/**
 * Writes on both engines: effectively-once under replays, both insert formats, chDB's insert
 * chunks, the schema's engine-dependent extras, and failures as the sink expects them
 * (retriable while ClickHouse is down, the schema made once it is back).
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { EdgeflowError, type LabelDef, type Mutation } from "../../src/lib/index.ts";
import { referenceAdjacency } from "../../src/store/graph/reference-fold.ts";
import { MutationBuilder, testColumn, testLabel } from "../../src/store/graph/test-fixtures.ts";
import { createGraphStore, isRetriable, labelViewName, openStore, quoteIdentifier, quoteString, type GraphStore, type Store } from "../../src/store/index.ts";
import { startClickHouseServer, uniqueDatabaseName } from "../support/clickhouse-server.ts";
import { failureOf } from "../support/errors.ts";
import { engines, nextLabelId, openGraph, sinkRows, TestRegistry, wrapStore, type GraphFixture } from "./graph-harness.ts";

// Each case runs on both engines; a loaded machine makes them slow, not wrong.
setDefaultTimeout(30_000);

/** A small graph with every kind of op: strong (with increments), weak, undirected, vertices. */
function mixedBatch(prefix: string, id = nextLabelId()): { labels: LabelDef[]; mutations: Mutation[]; column: string } {
  const column = `user_${id}`;
  const labels = [
    testLabel(`ws${id}`, id * 10 + 1, { column }),
    testLabel(`ww${id}`, id * 10 + 2, { column, consistency: "weak" }),
    testLabel(`wu${id}`, id * 10 + 3, { column, isDirected: false }),
  ];
  const [s, w, u] = labels.map((l) => l.label) as [string, string, string];
  const b = new MutationBuilder(`${prefix}${id}_`);
  const mutations = [
    b.edge("insert", 1, s, 1, 2, { weight: 1, note: "a\tb\n'c'\\" }), b.edge("increment", 2, s, 1, 2, { weight: 5, score: 2 }),
    b.edge("increment", 3, s, 1, 2, { weight: 5 }), b.edge("insert", 1, s, 1, 3), b.edge("delete", 2, s, 1, 3),
    b.edge("insert", 1, w, 1, 2), b.edge("insert", 2, w, 1, 2), b.edge("update", 3, w, 1, 3, { time: 4 }),
    b.edge("insert", 1, u, 1, 2, { weight: 3 }), b.edge("update", 2, u, 2, 1, { note: "😀" }),
    b.vertex("insert", 1, column, 1, { age: 3 }), b.deleteAll(9, s, 3, "in"),
  ];
  return { labels, mutations, column };
}

/** Everything a client or an analyst can read about the batch. */
async function snapshot(fx: GraphFixture, labels: readonly LabelDef[], column: string): Promise<unknown> {
  const out: unknown[] = [];
  for (const label of labels) {
    for (const direction of ["out", "in"] as const) {
      out.push(await fx.graph.edges({ label, direction, vertexIds: [1, 2, 3], limit: 100 }));
      out.push(await fx.graph.degrees({ label, direction, vertexIds: [1, 2, 3] }));
    }
    out.push(await fx.store.query(`SELECT * FROM ${quoteIdentifier(labelViewName(label.label))} ORDER BY \`from\`, \`to\`, \`timestamp\``));
  }
  out.push(await fx.graph.vertices({ column: testColumn(column), ids: [1, 2, 3] }));
  return out;
}

async function rowCount(store: Store, table: string, where: string): Promise<number> {
  const rows = await store.query<{ n: string }>(`SELECT count() AS n FROM ${table} WHERE ${where}`);
  return Number(rows[0]?.n);
}

for (const engine of engines) {
  describe(`graph: ${engine}: writes`, () => {
    let fx: GraphFixture;

    beforeAll(async () => {
      fx = await openGraph(engine, "gwr");
    }, 60_000);

    afterAll(async () => {
      await fx?.close();
    }, 60_000);

    test(`graph: ${engine}: replaying a batch, whole or split differently, never shows a duplicate in any read or view`, async () => {
      const { labels, mutations, column } = mixedBatch("rp");
      fx.registry.add(...labels);
      await fx.graph.syncLabels(labels);
      const rows = sinkRows(mutations);
      await fx.graph.writeMutations(rows, "1-12");
      const first = await snapshot(fx, labels, column);
      expect((first as unknown[])[0]).toEqual(referenceAdjacency(labels[0] as LabelDef, "out", [1, 2, 3], mutations, labels));
      // The sink's retry: same rows, same token, twice more.
      await fx.graph.writeMutations(rows, "1-12");
      await fx.graph.writeMutations(rows, "1-12");
      // A replay after a restart that batches differently: other tokens.
      await fx.graph.writeMutations(rows.slice(0, 5), "1-5");
      await fx.graph.writeMutations(rows.slice(5), "6-12");
      expect(await snapshot(fx, labels, column)).toEqual(first);
      // Merges collapse the copies; the answers stay the same.
      for (const table of ["mutations", "edge_ops_out", "edge_ops_in", "weak_edges_out", "weak_edges_in", "tombstones", "vertex_ops"]) {
        await fx.store.exec(`OPTIMIZE TABLE ${table} FINAL`);
      }
      expect(await snapshot(fx, labels, column)).toEqual(first);
      expect(await rowCount(fx.store, "mutations", `id IN (${mutations.map((m) => quoteString(m.id)).join(", ")})`)).toBe(mutations.length);
    });

    test(`graph: ${engine}: a retried chunk is stored once where the engine has dedup tokens, twice (and read once) where not`, async () => {
      const { labels, mutations } = mixedBatch("tk");
      fx.registry.add(...labels);
      await fx.graph.writeMutations(sinkRows(mutations), "7-18");
      await fx.graph.writeMutations(sinkRows(mutations), "7-18");
      const { features } = await fx.store.serverInfo();
      const stored = await rowCount(fx.store, "mutations", `label = ${quoteString((labels[0] as LabelDef).label)}`);
      const once = mutations.filter((m) => m.kind === "edge" && m.label === (labels[0] as LabelDef).label).length;
      expect(stored).toBe(features.insertDeduplicationToken ? once : 2 * once);
    });

    test(`graph: ${engine}: TSV and JSONEachRow store the same rows`, async () => {
      const registry = new TestRegistry();
      const tsvGraph = createGraphStore(fx.store, { schema: registry, insertFormat: "TSV" });
      const id = nextLabelId();
      const viaTsv = mixedBatch("tsv", id);
      const viaJson = mixedBatch("json", id);
      registry.add(...viaTsv.labels);
      fx.registry.add(...viaJson.labels);
      await tsvGraph.writeMutations(sinkRows(viaTsv.mutations), "tsv");
      await fx.graph.writeMutations(sinkRows(viaJson.mutations), "json");
      // Everything but the ids (and the id at the end of okey) must be equal.
      const stored = async (prefix: string): Promise<unknown> =>
        fx.store.query(`SELECT seq, kind, op, ts, substring(okey, 1, 17) AS key, service, label, label_id, consistency, column_name,
          from_id, to_id, direction, prop_keys, prop_values FROM mutations WHERE substring(id, 1, ${prefix.length}) = ${quoteString(prefix)}
          ORDER BY seq LIMIT 1 BY id`);
      const tsvRows = await stored(`tsv${id}_`);
      expect(tsvRows).toEqual(await stored(`json${id}_`));
      expect((tsvRows as unknown[]).length).toBe(viaTsv.mutations.length);
      const quarantineRecord = { rawText: "x\ty\n\\ 'z'", rawBytes: 9, rawTruncated: false, code: "c", message: "m\t", line: 1, index: 0, receivedAtMs: 5, service: `tsv${engine}` };
      await tsvGraph.writeQuarantine([quarantineRecord], "q-tsv");
      expect(await fx.graph.quarantine({ service: `tsv${engine}` })).toEqual([quarantineRecord]);
    });

    test(`graph: ${engine}: the schema is made once, with the engine's extras only where it has them`, async () => {
      const again = createGraphStore(fx.store, { schema: fx.registry });
      await again.ensureSchema();
      const { features } = await fx.store.serverInfo();
      const types = await fx.store.query<{ type: string }>(`SELECT type FROM system.columns
        WHERE database = ${quoteString(fx.store.database)} AND table = 'mutations' AND name = 'label'`);
      expect(types).toEqual([{ type: features.lowCardinality ? "LowCardinality(String)" : "String" }]);
      const tables = await fx.store.query<{ name: string }>(`SELECT name FROM system.tables WHERE database = ${quoteString(fx.store.database)} ORDER BY name`);
      expect(tables.map((t) => t.name)).toEqual(expect.arrayContaining([
        "edge_ops_in", "edge_ops_out", "graph_views", "mutations", "mv_edge_ops_in", "mv_edge_ops_out", "mv_tombstones", "mv_vertex_ops",
        "mv_weak_edges_in", "mv_weak_edges_out", "quarantine", "tombstones", "vertex_ops", "weak_edges_in", "weak_edges_out",
      ]));
    });

    if (engine === "chdb") {
      test("graph: chdb: a batch goes in chunks, and a replayed chunked batch is still read once", async () => {
        const registry = new TestRegistry();
        const chunked: GraphStore = createGraphStore(fx.store, { schema: registry, chdbInsertChunkRows: 3 });
        const { labels, mutations } = mixedBatch("ch");
        registry.add(...labels);
        const label = labels[0] as LabelDef;
        await chunked.writeMutations(sinkRows(mutations), "c1");
        await chunked.writeMutations(sinkRows(mutations).slice(2), "c2");
        const rows = await chunked.edges({ label, direction: "out", vertexIds: [1], limit: 10 });
        expect(rows).toEqual(referenceAdjacency(label, "out", [1], mutations, labels));
        const parts = await fx.store.query<{ n: string }>(`SELECT count() AS n FROM system.parts
          WHERE database = ${quoteString(fx.store.database)} AND table = 'mutations' AND active`);
        expect(Number(parts[0]?.n)).toBeGreaterThan(0);
      });
    }
  });
}

for (const engine of engines) {
  test(`graph: ${engine}: a batch retried after a failed insert is sent as encoded the first time, not encoded again`, async () => {
    const fx = await openGraph(engine, "gre");
    try {
      const { labels, mutations } = mixedBatch("re");
      let lookups = 0;
      const registry = new TestRegistry().add(...labels);
      const counting = { label: (name: string) => (lookups++, registry.label(name)) };
      let inserts = 0;
      const failingOnce = wrapStore(fx.store, {
        insert: (request) => (inserts++ === 0 ? Promise.reject(new EdgeflowError("unavailable", "test_outage", "the store is down")) : fx.store.insert(request)),
      });
      const graph = createGraphStore(failingOnce, { schema: counting });
      const rows = sinkRows(mutations);
      const failure = await failureOf(graph.writeMutations(rows, "1-12"));
      expect(isRetriable(failure)).toBe(true);
      const encodedLookups = lookups;
      expect(encodedLookups).toBeGreaterThan(0);
      await graph.writeMutations(rows, "1-12");
      expect(lookups).toBe(encodedLookups);
      expect(await rowCount(fx.store, "mutations", `id IN (${mutations.map((m) => quoteString(m.id)).join(", ")})`)).toBe(mutations.length);
      // Another array of the same rows is a new batch: encoded again.
      await graph.writeMutations(sinkRows(mutations), "1-12");
      expect(lookups).toBeGreaterThan(encodedLookups);
    } finally {
      await fx.close();
    }
  });
}

describe("graph: outage", () => {
  test("graph: clickhouse: while the server is down writes fail as retriable; once it is back the schema is made and writes land", async () => {
    const server = await startClickHouseServer();
    try {
      await server.stop();
      const store = await openStore({ engine: "clickhouse", url: server.url, database: uniqueDatabaseName("gout"), requestTimeoutMs: 2000 });
      const id = nextLabelId();
      const label = testLabel(`o${id}`, id);
      const graph = createGraphStore(store, { schema: new TestRegistry().add(label) });
      const rows = sinkRows([new MutationBuilder("out").edge("insert", 1, label.label, 1, 2, { weight: 4 })]);
      const failure = await graph.writeMutations(rows, "1-1").then(() => undefined, (e: unknown) => e);
      expect(isRetriable(failure)).toBe(true);
      await server.restart();
      await graph.writeMutations(rows, "1-1");
      expect((await graph.edges({ label, direction: "out", vertexIds: [1], limit: 10 })).map((e) => e.props.weight)).toEqual([4]);
      await store.close();
    } finally {
      await server.dispose();
    }
  }, 60_000);
});
