/**
 * S2Graph's edge and vertex semantics through the real tables and the SQL fold, on both engines
 * (chDB in-process and the ClickHouse 18.16 server). Each case writes its mutations in a
 * shuffled order, in random batches with replays, and checks the reads against values computed
 * by hand and against the reference fold (src/store/graph/reference-fold.ts).
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import type { LabelDef, Mutation, PropDef, PropValue } from "../../src/lib/index.ts";
import { referenceAdjacency, referenceVertices } from "../../src/store/graph/reference-fold.ts";
import { defaultLiteral, narrow, parseText, resultValue, storedValue } from "../../src/store/graph/typed.ts";
import { MutationBuilder, testColumn, testLabel } from "../../src/store/graph/test-fixtures.ts";
import { createGraphStore, quoteIdentifier, quoteString, type EdgeRow, type GraphStore } from "../../src/store/index.ts";
import { countingStore, engines, nextLabelId, openGraph, sinkRows, writeScrambled, type GraphFixture } from "./graph-harness.ts";

// Each case runs on both engines; a loaded machine makes them slow, not wrong.
setDefaultTimeout(30_000);

for (const engine of engines) {
  describe(`graph: ${engine}`, () => {
    let fx: GraphFixture;

    beforeAll(async () => {
      fx = await openGraph(engine, "gsem");
    }, 60_000);

    afterAll(async () => {
      await fx?.close();
    }, 60_000);

    /** A fresh label (and vertex column) per case, so cases share one database. */
    function label(options: Parameters<typeof testLabel>[2] = {}): LabelDef {
      const id = nextLabelId();
      const def = testLabel(`l${id}`, id, { column: `user_${id}`, ...options });
      fx.registry.add(def);
      return def;
    }

    /** Reads `ids` and checks the rows equal the reference fold's; returns them. */
    async function read(def: LabelDef, direction: "out" | "in", ids: PropValue[], mutations: Mutation[]): Promise<EdgeRow[]> {
      const rows = await fx.graph.edges({ label: def, direction, vertexIds: ids, limit: 100 });
      expect(rows).toEqual(referenceAdjacency(def, direction, ids, mutations, [...allLabels]));
      return rows;
    }

    /** 1 when `key` is in the `tombstone_keys` set, else 0. */
    async function inTombstoneKeys(key: string): Promise<number> {
      return Number((await fx.store.query<{ k: number }>(`SELECT ${quoteString(key)} IN tombstone_keys AS k`))[0]?.k);
    }

    const allLabels = new Set<LabelDef>();
    function track(def: LabelDef): LabelDef {
      allLabels.add(def);
      return def;
    }

    test(`graph: ${engine}: a label whose name a deleted label had reads only its own edges, told so or not knowing`, async () => {
      for (const consistency of ["strong", "weak"] as const) {
        const old = label({ consistency });
        const id = nextLabelId();
        const b = new MutationBuilder(`fid${id}_`);
        const m = [b.edge("insert", 1, old.label, 1, 2), b.edge("insert", 2, old.label, 1, 3)];
        await fx.graph.writeMutations(sinkRows(m), `fid${id}-old`);
        // The label made again under the same name: its rows share the name, not the id.
        const again = (formerIds: number[] | undefined): LabelDef => ({ ...old, id, formerIds });
        fx.registry.add(again([old.id]));
        const fresh = [b.edge("insert", 3, old.label, 1, 4)];
        await fx.graph.writeMutations(sinkRows(fresh), `fid${id}-new`);
        for (const formerIds of [[old.id], undefined]) {
          const rows = await fx.graph.edges({ label: again(formerIds), direction: "out", vertexIds: [1], limit: 10 });
          expect([consistency, formerIds, rows.map((r) => r.to)]).toEqual([consistency, formerIds, [4]]);
        }
      }
    });

    test(`graph: ${engine}: strong: an insert drops the older props it does not name; an update keeps them`, async () => {
      const a = track(label());
      const b = new MutationBuilder(`ins${a.id}_`);
      const m = [
        b.edge("insert", 1, a.label, 1, 2, { weight: 5, note: "x" }), b.edge("insert", 2, a.label, 1, 2, { time: 3 }),
        b.edge("insert", 1, a.label, 1, 3, { weight: 5, note: "x" }), b.edge("update", 2, a.label, 1, 3, { time: 3 }),
      ];
      await writeScrambled(fx.graph, m, a.id);
      const rows = await read(a, "out", [1], m);
      expect(rows.map((r) => [r.to, r.ts, r.props.weight, r.props.note, r.props.time])).toEqual([[2, 2, 0, "", 3], [3, 2, 5, "x", 3]]);
    });

    test(`graph: ${engine}: strong: increments add to the value set before them, and alone create the prop`, async () => {
      const a = track(label());
      const b = new MutationBuilder(`inc${a.id}_`);
      const m = [
        b.edge("increment", 1, a.label, 1, 2, { weight: 100 }), b.edge("insert", 2, a.label, 1, 2, { weight: 5, score: 1.5 }),
        b.edge("increment", 3, a.label, 1, 2, { weight: 2, score: 2, time: 7 }), b.edge("increment", 4, a.label, 1, 2, { weight: -1 }),
        b.edge("increment", 5, a.label, 1, 3, { weight: 4 }), b.edge("increment", 6, a.label, 1, 3, { weight: 4 }),
      ];
      await writeScrambled(fx.graph, m, a.id);
      const rows = await read(a, "out", [1], m);
      expect(rows.map((r) => [r.to, r.ts, r.props.weight, r.props.score, r.props.time])).toEqual([[3, 6, 8, 0.5, 0], [2, 4, 6, 3.5, 7]]);
    });

    test(`graph: ${engine}: strong: an older insert after a delete stays deleted; a newer one revives the edge`, async () => {
      const a = track(label());
      const b = new MutationBuilder(`del${a.id}_`);
      const m = [
        b.edge("delete", 5, a.label, 1, 2), b.edge("insert", 3, a.label, 1, 2, { weight: 1 }),
        b.edge("insert", 1, a.label, 1, 3, { weight: 1, note: "old" }), b.edge("delete", 2, a.label, 1, 3), b.edge("update", 4, a.label, 1, 3, { time: 9 }),
      ];
      await writeScrambled(fx.graph, m, a.id);
      const rows = await read(a, "out", [1], m);
      // The update after the delete revives 1 -> 3 with only what it set: the delete dropped "old".
      expect(rows.map((r) => [r.to, r.ts, r.props.note, r.props.time, r.props.weight])).toEqual([[3, 4, "", 9, 0]]);
      expect(await fx.graph.degrees({ label: a, direction: "out", vertexIds: [1, 9] })).toEqual([{ vertexId: 1, degree: 1 }, { vertexId: 9, degree: 0 }]);
    });

    test(`graph: ${engine}: strong: equal timestamps: delete beats every write, update applies after insert, increment after both, then the greater id`, async () => {
      const a = track(label());
      const b = new MutationBuilder(`tie${a.id}_`);
      const m = [
        b.edge("insert", 5, a.label, 1, 2, { weight: 1 }), b.edge("delete", 5, a.label, 1, 2),
        b.edge("update", 5, a.label, 1, 3, { weight: 9 }), b.edge("insert", 5, a.label, 1, 3, { weight: 1, note: "i" }),
        b.edge("increment", 5, a.label, 1, 3, { weight: 1 }),
        b.edge("insert", 5, a.label, 1, 4, { note: "z" }, `tie${a.id}_b`), b.edge("insert", 5, a.label, 1, 4, { note: "a" }, `tie${a.id}_a`),
      ];
      await writeScrambled(fx.graph, m, a.id);
      const rows = await read(a, "out", [1], m);
      expect(rows.map((r) => [r.to, r.props.weight, r.props.note])).toEqual([[3, 10, "i"], [4, 0, "z"]]);
    });

    test(`graph: ${engine}: deleteAll of a target hides its older edges from both directions; newer edges survive`, async () => {
      const a = track(label());
      const b = new MutationBuilder(`dal${a.id}_`);
      const m = [
        b.edge("insert", 5, a.label, 10, 20), b.edge("insert", 6, a.label, 10, 21), b.edge("insert", 7, a.label, 11, 20),
        b.edge("insert", 8, a.label, 12, 20), b.deleteAll(100, a.label, 20, "in"), b.edge("insert", 101, a.label, 13, 20),
        b.edge("insert", 100, a.label, 14, 20), // at the deleteAll's own timestamp: deleted (a delete wins ties)
      ];
      await writeScrambled(fx.graph, m, a.id);
      expect((await read(a, "out", [10, 11, 12, 14], m)).map((r) => [r.from, r.to])).toEqual([[10, 21]]);
      expect((await read(a, "in", [20], m)).map((r) => [r.from, r.to])).toEqual([[20, 13]]);
      expect(await fx.graph.degrees({ label: a, direction: "in", vertexIds: [20] })).toEqual([{ vertexId: 20, degree: 1 }]);
    });

    test(`graph: ${engine}: deleteAll of a source hides its out-edges, not its in-edges (S2Graph reads the direction given)`, async () => {
      const a = track(label());
      const b = new MutationBuilder(`das${a.id}_`);
      const m = [b.edge("insert", 1, a.label, 1, 2), b.edge("insert", 1, a.label, 3, 1), b.deleteAll(5, a.label, 1, "out")];
      await writeScrambled(fx.graph, m, a.id);
      expect(await read(a, "out", [1], m)).toEqual([]);
      expect((await read(a, "in", [1, 2], m)).map((r) => [r.from, r.to])).toEqual([[1, 3]]);
    });

    test(`graph: ${engine}: weak: multi-edges are kept; a delete hides the pair's edges at or before it`, async () => {
      const a = track(label({ consistency: "weak" }));
      const b = new MutationBuilder(`wk${a.id}_`);
      const m = [
        b.edge("insert", 1, a.label, 0, 1, { time: 10 }), b.edge("insert", 2, a.label, 0, 1, { time: 11 }),
        b.edge("insert", 3, a.label, 0, 1, { time: 12 }), b.edge("insert", 4, a.label, 0, 2, { time: 10 }),
        b.edge("update", 5, a.label, 0, 2, { weight: 3 }), b.edge("delete", 2, a.label, 0, 1),
      ];
      await writeScrambled(fx.graph, m, a.id);
      const rows = await read(a, "out", [0], m);
      expect(rows.map((r) => [r.to, r.ts, r.props.time, r.props.weight])).toEqual([[2, 5, 0, 3], [2, 4, 10, 0], [1, 3, 12, 0]]);
      expect((await read(a, "in", [1, 2], m)).map((r) => [r.from, r.to, r.ts])).toEqual([[1, 0, 3], [2, 0, 5], [2, 0, 4]]);
      expect(await fx.graph.degrees({ label: a, direction: "out", vertexIds: [0] })).toEqual([{ vertexId: 0, degree: 3 }]);
    });

    test(`graph: ${engine}: weak: deleteAll hides every older edge of the vertex (S2Graph WeakLabelDeleteTest)`, async () => {
      const a = track(label({ consistency: "weak" }));
      const b = new MutationBuilder(`wda${a.id}_`);
      const m = [
        b.edge("insert", 5, a.label, 10, 20), b.edge("insert", 6, a.label, 10, 21), b.edge("insert", 7, a.label, 11, 20),
        b.edge("insert", 8, a.label, 12, 20), b.deleteAll(100, a.label, 20, "in"),
      ];
      await writeScrambled(fx.graph, m, a.id);
      expect((await read(a, "out", [10, 11, 12], m)).map((r) => r.to)).toEqual([21]);
      expect(await read(a, "in", [20], m)).toEqual([]);
      const later = [...m, b.edge("insert", 101, a.label, 10, 20), b.edge("insert", 102, a.label, 11, 20)];
      await fx.graph.writeMutations(sinkRows(later.slice(m.length), 100), "later");
      expect((await read(a, "in", [20], later)).map((r) => r.to)).toEqual([11, 10]);
    });

    test(`graph: ${engine}: weak: a read is one statement, a scan where the engine has window functions; pair deletes and tombstones keep it exact`, async () => {
      const a = track(label({ consistency: "weak" }));
      const b = new MutationBuilder(`wsc${a.id}_`);
      const m = [
        b.edge("insert", 1, a.label, 1, 10, { time: 1 }), b.edge("insert", 2, a.label, 1, 11), b.edge("insert", 3, a.label, 1, 10, { time: 3 }),
        b.edge("insert", 1, a.label, 2, 10), b.edge("insert", 4, a.label, 2, 11), b.edge("delete", 2, a.label, 2, 10),
        b.edge("insert", 1, a.label, 3, 30), b.edge("insert", 9, a.label, 3, 31),
      ];
      await writeScrambled(fx.graph, m, a.id);
      const statements: string[] = [];
      const counting = countingStore(fx.store, statements);
      const scans = (await fx.store.serverInfo()).features.windowFunctions;
      expect(scans).toBe(engine === "chdb");
      const readCounted = async (graph: GraphStore, ids: number[], mutations: Mutation[]): Promise<number> => {
        statements.length = 0;
        const { edges, degrees } = await graph.edgesWithDegrees({ label: a, direction: "out", vertexIds: ids, limit: 100 });
        const expected = referenceAdjacency(a, "out", ids, mutations, [...allLabels]);
        expect(edges).toEqual(expected);
        expect(degrees).toEqual(ids.map((id) => ({ vertexId: id, degree: expected.filter((e) => e.from === id).length })));
        return statements.length;
      };
      const graph = createGraphStore(counting, { schema: fx.registry });
      await graph.ensureSchema();
      // No delete, no tombstone: one statement (the scan, or the fold with its checks).
      expect(await readCounted(graph, [1], m)).toBe(1);
      expect(statements[0]?.includes("OVER (PARTITION BY")).toBe(scans);
      // A pair delete: the scan sees it and the fold reads again.
      expect(await readCounted(graph, [2], m)).toBe(scans ? 2 : 1);
      // A pair delete of another vertex does not touch a large read: its marks are asked one a vertex.
      expect(await readCounted(graph, [1, ...Array.from({ length: 70 }, (_, i) => 1_000 + i)], m)).toBe(1);
      // A tombstone on the other end: the check finds it, and the read runs again with the
      // tombstones looked up; from then on this instance looks them up first.
      const later = [...m, b.deleteAll(5, a.label, 30, "in")];
      await fx.graph.writeMutations(sinkRows(later.slice(m.length), 100), `wsc${a.id}`);
      expect(await readCounted(graph, [3], later)).toBe(3);
      expect(await readCounted(graph, [3], later)).toBe(2);
      expect(await readCounted(graph, [1, 2, 3], later)).toBeGreaterThan(1);
      // Another instance (another process) sees the tombstone too, from its first read.
      const another = createGraphStore(counting, { schema: fx.registry });
      await another.ensureSchema();
      expect(await readCounted(another, [1], later)).toBe(3);
    });

    test(`graph: ${engine}: weak: edges of equal timestamps follow the index order by typed \`to\`, also where a page ends among them`, async () => {
      const a = track(label({ consistency: "weak" }));
      const b = new MutationBuilder(`tie${a.id}_`);
      // At ts 5, targets whose text order is not their number order, and a multi-edge to 10.
      const m = [
        b.edge("insert", 7, a.label, 1, 3), b.edge("insert", 5, a.label, 1, 9), b.edge("insert", 5, a.label, 1, 10), b.edge("insert", 5, a.label, 1, 100),
        b.edge("insert", 5, a.label, 1, 10), b.edge("insert", 5, a.label, 1, -2), b.edge("insert", 4, a.label, 1, 1), b.edge("insert", 6, a.label, 2, 8),
      ];
      await fx.graph.writeMutations(sinkRows(m), `tie${a.id}`);
      const statements: string[] = [];
      const counting = countingStore(fx.store, statements);
      const graph = createGraphStore(counting, { schema: fx.registry });
      await graph.ensureSchema();
      // The index order: newest first, then `to` descending as a number (the reference orders ties by stored text).
      const expected = referenceAdjacency(a, "out", [1, 2], m, [...allLabels]).sort((x, y) => Number(x.from) - Number(y.from) || y.ts - x.ts || Number(y.to) - Number(x.to));
      expect(expected.filter((e) => e.from === 1).map((e) => e.to)).toEqual([3, 100, 10, 10, 9, -2, 1]);
      const scans = (await fx.store.serverInfo()).features.windowFunctions;
      for (const [limit, offset, statementCount] of [[1, 0, 1], [2, 0, 2], [6, 0, 1], [7, 0, 1], [20, 0, 1], [3, 1, 2], [1, 2, 2], [2, 4, 1], [5, 1, 1]] as const) {
        statements.length = 0;
        const page = (v: number) => expected.filter((e) => e.from === v).slice(offset, offset + limit);
        expect(await graph.edges({ label: a, direction: "out", vertexIds: [1, 2], limit, offset, orderBy: ["_timestamp", "_to"] })).toEqual([...page(1), ...page(2)]);
        // One statement, or two where the page ends among the edges of ts 5 (then ordered in SQL).
        if (scans) expect([limit, offset, statements.length]).toEqual([limit, offset, statementCount]);
      }
      // Ordered by `to` alone there is no group to sort within: one statement, ordered in SQL.
      const byTo = (v: number) => expected.filter((e) => e.from === v).sort((x, y) => Number(y.to) - Number(x.to) || y.ts - x.ts);
      for (const limit of [2, 20]) {
        statements.length = 0;
        const got = await graph.edges({ label: a, direction: "out", vertexIds: [1, 2], limit, orderBy: ["_to"] });
        expect(got.map((e) => [e.from, e.to])).toEqual([...byTo(1).slice(0, limit), ...byTo(2).slice(0, limit)].map((e) => [e.from, e.to]));
        if (scans) expect([limit, statements.length]).toEqual([limit, 1]);
      }
    });

    test(`graph: ${engine}: weak: replayed rows are read once, also when they fill a page`, async () => {
      const a = track(label({ consistency: "weak" }));
      const b = new MutationBuilder(`wrp${a.id}_`);
      const m = [1, 2, 3, 4].map((t) => b.edge("insert", t, a.label, 1, 10 + t, { time: t }));
      // Two sink tokens: the same rows stored twice, as after a crash between insert and checkpoint.
      await fx.graph.writeMutations(sinkRows(m), `wrp${a.id}-a`);
      await fx.graph.writeMutations(sinkRows(m), `wrp${a.id}-b`);
      const expected = referenceAdjacency(a, "out", [1], m, [...allLabels]);
      for (const limit of [2, 3, 4, 8]) {
        const { edges, degrees } = await fx.graph.edgesWithDegrees({ label: a, direction: "out", vertexIds: [1], limit });
        expect(edges).toEqual(expected.slice(0, limit));
        expect(degrees).toEqual([{ vertexId: 1, degree: 4 }]);
        expect(await fx.graph.edges({ label: a, direction: "out", vertexIds: [1], limit, offset: 1 })).toEqual(expected.slice(1, 1 + limit));
      }
    });

    test(`graph: ${engine}: stored prop texts typed in TypeScript (reads that scan) equal those typed in SQL (the fold)`, async () => {
      const texts = ["12", "-5", "007", "1.5", "", " 3", "abc", "9007199254740993", "9223372036854775807", "-9223372036854775808", "1e3", "1e400", "0.1", "-0", "true", "false"];
      const props: PropDef[] = (["long", "integer", "double", "float", "boolean", "string"] as const).map((dataType) => ({
        name: `p_${dataType}`, dataType, defaultValue: dataType === "boolean" ? true : dataType === "string" ? "d" : 42,
      }));
      for (const prop of props) {
        const sql = texts.map((text) => `SELECT ${quoteString(text)} AS t, ${narrow(parseText(quoteString(text), prop.dataType), prop.dataType, "read")} AS v`).join(" UNION ALL ");
        const rows = await fx.store.query<{ t: string; v: unknown }>(`SELECT t, v FROM (${sql}) ORDER BY t`);
        for (const row of rows) expect([row.t, storedValue(row.t, prop)]).toEqual([row.t, resultValue(row.v, prop.dataType)]);
        const [absent] = await fx.store.query<{ v: unknown }>(`SELECT ${narrow(defaultLiteral(prop), prop.dataType, "read")} AS v`);
        expect(storedValue(undefined, prop)).toEqual(resultValue(absent?.v, prop.dataType));
      }
    });

    test(`graph: ${engine}: the tombstone key set is refilled from the tombstones when the schema is created`, async () => {
      const a = track(label({ consistency: "weak" }));
      const b = new MutationBuilder(`tks${a.id}_`);
      await fx.graph.writeMutations(sinkRows([b.deleteAll(5, a.label, 7, "out")]), `tks${a.id}`);
      const hasKey = (): Promise<number> => inTombstoneKeys(`V\tL:${a.id}:out\t7`);
      expect(await hasKey()).toBe(1);
      // A database from before the set (or a set file lost): the set is empty, the tombstones are not.
      await fx.store.exec("DROP TABLE mv_tombstone_keys");
      await fx.store.exec("DROP TABLE tombstone_keys");
      await createGraphStore(fx.store, { schema: fx.registry }).ensureSchema();
      expect(await hasKey()).toBe(1);
    });

    test(`graph: ${engine}: weak: a database from before delete marks gets them once, and its older pair deletes keep reads exact`, async () => {
      const a = track(label({ consistency: "weak" }));
      const b = new MutationBuilder(`dmb${a.id}_`);
      // The delete is older than the newest two edges, so a page of 2 does not show it: only its mark can.
      const m = [
        b.edge("insert", 2, a.label, 1, 10), b.edge("delete", 3, a.label, 1, 10), b.edge("insert", 5, a.label, 1, 11), b.edge("insert", 6, a.label, 1, 12),
      ];
      const markKey = `V\tW:${a.id}:out\t1`;
      const hasMark = (): Promise<number> => inTombstoneKeys(markKey);
      // As before marks: no view writes them.
      await fx.store.exec("DROP TABLE mv_delete_marks");
      await fx.store.exec("DROP TABLE mv_delete_mark_keys");
      await fx.graph.writeMutations(sinkRows(m), `dmb${a.id}`);
      expect(await hasMark()).toBe(0);
      const graph = createGraphStore(fx.store, { schema: fx.registry });
      await graph.ensureSchema();
      expect(await hasMark()).toBe(1);
      const expected = referenceAdjacency(a, "out", [1], m, [...allLabels]);
      expect(expected.map((e) => e.to)).toEqual([12, 11]);
      const { edges, degrees } = await graph.edgesWithDegrees({ label: a, direction: "out", vertexIds: [1], limit: 2 });
      expect(edges).toEqual(expected);
      expect(degrees).toEqual([{ vertexId: 1, degree: 2 }]);
      // The views are back: a new delete gets its marks as it is written.
      await graph.writeMutations(sinkRows([b.edge("delete", 7, a.label, 4, 40)], 10), `dmb${a.id}-new`);
      expect(await inTombstoneKeys(`V\tW:${a.id}:in\t40`)).toBe(1);
    });

    test(`graph: ${engine}: undirected: both ends read one edge, ops sent from either end merge, deletes from either end apply`, async () => {
      const s = track(label({ isDirected: false }));
      const w = track(label({ isDirected: false, consistency: "weak" }));
      const b = new MutationBuilder(`und${s.id}_`);
      const m = [
        b.edge("insert", 1, s.label, 1, 2, { weight: 3 }), b.edge("update", 2, s.label, 2, 1, { note: "x" }),
        b.edge("insert", 1, s.label, 3, 1), b.edge("delete", 2, s.label, 1, 3), b.edge("insert", 1, s.label, 4, 4, { weight: 1 }),
        b.edge("insert", 1, w.label, 1, 2), b.edge("insert", 2, w.label, 2, 1), b.edge("delete", 1, w.label, 2, 1),
      ];
      await writeScrambled(fx.graph, m, s.id);
      const rows = await read(s, "out", [1, 2, 4], m);
      expect(rows.map((r) => [r.from, r.to, r.props.weight, r.props.note])).toEqual([[1, 2, 3, "x"], [2, 1, 3, "x"], [4, 4, 1, ""]]);
      expect(await read(s, "in", [1, 2, 4], m)).toEqual(rows.map((r) => ({ ...r, direction: "in" })));
      expect((await read(w, "out", [1, 2], m)).map((r) => [r.from, r.to, r.ts])).toEqual([[1, 2, 2], [2, 1, 2]]);
    });

    test(`graph: ${engine}: vertices: insert and update set what they name, delete hides older props, deleteAll hides the vertex's edges`, async () => {
      const a = track(label());
      const column = testColumn(a.srcColumnName);
      const b = new MutationBuilder(`vx${a.id}_`);
      const m = [
        b.vertex("insert", 1, column.columnName, 7, { age: 30 }), b.vertex("insert", 2, column.columnName, 7, { country: "jp" }),
        b.vertex("update", 3, column.columnName, 8, { age: 40 }), b.vertex("delete", 4, column.columnName, 8),
        b.vertex("insert", 5, column.columnName, 9, { age: 1 }), b.vertex("update", 5, column.columnName, 9, { age: 2 }),
        b.vertex("delete", 1, column.columnName, 9),
        b.edge("insert", 1, a.label, 7, 9), b.edge("insert", 9, a.label, 9, 7), b.edge("insert", 2, a.label, 1, 7),
        b.vertex("deleteAll", 5, column.columnName, 7), b.vertex("insert", 6, column.columnName, 7, { country: "us" }),
      ];
      await writeScrambled(fx.graph, m, a.id);
      const vertices = await fx.graph.vertices({ column, ids: [7, 8, 9, 10] });
      expect(vertices).toEqual(referenceVertices(column, [7, 8, 9, 10], m));
      expect(vertices).toEqual([{ id: 7, ts: 6, props: { age: 18, country: "us" } }, { id: 9, ts: 5, props: { age: 2, country: "kr" } }]);
      expect((await read(a, "out", [1, 7, 9], m)).map((r) => [r.from, r.to])).toEqual([[9, 7]]);
    });

    test(`graph: ${engine}: reads: newest first per vertex, limit and offset per vertex, time range, where, point lookup`, async () => {
      const a = track(label());
      const b = new MutationBuilder(`rd${a.id}_`);
      const m: Mutation[] = [];
      for (let to = 1; to <= 5; to++) m.push(b.edge("insert", to * 10, a.label, 1, to, { weight: to, note: `n'${to}` }), b.edge("insert", to, a.label, 2, to));
      await writeScrambled(fx.graph, m, a.id, { replays: false });
      const page = await fx.graph.edges({ label: a, direction: "out", vertexIds: [1, 2], limit: 2, offset: 1 });
      expect(page.map((r) => [r.from, r.to])).toEqual([[1, 4], [1, 3], [2, 4], [2, 3]]);
      const ranged = await fx.graph.edges({ label: a, direction: "out", vertexIds: [1], limit: 10, tsFrom: 20, tsTo: 40 });
      expect(ranged.map((r) => r.ts)).toEqual([30, 20]);
      const where = `${quoteIdentifier("weight")} >= 2 AND ${quoteIdentifier("note")} != ${quoteString("n'3")}`;
      expect((await fx.graph.edges({ label: a, direction: "out", vertexIds: [1], limit: 10, where })).map((r) => r.to)).toEqual([5, 4, 2]);
      expect((await fx.graph.edges({ label: a, direction: "in", vertexIds: [3], limit: 10, to: 1 })).map((r) => [r.from, r.to, r.props.note]))
        .toEqual([[3, 1, "n'3"]]);
      expect(await fx.graph.edges({ label: a, direction: "out", vertexIds: [], limit: 10 })).toEqual([]);
    });

    test(`graph: ${engine}: reads: an index order sorts by its props descending, newest first on ties`, async () => {
      const a = track(label());
      const b = new MutationBuilder(`ob${a.id}_`);
      const m = [
        b.edge("insert", 1, a.label, 1, 1, { weight: 5, time: 1 }), b.edge("insert", 2, a.label, 1, 2, { weight: 9, time: 1 }),
        b.edge("insert", 3, a.label, 1, 3, { weight: 5, time: 2 }), b.edge("insert", 4, a.label, 1, 4, { time: 3 }),
      ];
      await writeScrambled(fx.graph, m, a.id);
      const order = async (orderBy: string[]) =>
        (await fx.graph.edges({ label: a, direction: "out", vertexIds: [1], limit: 3, orderBy })).map((r) => r.to);
      expect(await order(["weight"])).toEqual([2, 3, 1]);
      expect(await order(["time", "weight"])).toEqual([4, 3, 2]);
      expect(await order(["_timestamp"])).toEqual([4, 3, 2]);
      const error = await order(["nope"]).then(() => undefined, (e: unknown) => e);
      expect(error).toMatchObject({ kind: "invalid" });
    });

    test(`graph: ${engine}: ids and values keep every digit and character: longs past 2^53, quotes, tabs, newlines, unicode`, async () => {
      const id = nextLabelId();
      const def = track(testLabel(`l${id}`, id, { column: `user_${id}` }));
      const textual: LabelDef = { ...def, label: `t${id}`, id: id + 500_000, srcColumnType: "string", tgtColumnType: "string" };
      fx.registry.add(def, textual);
      track(textual);
      const b = new MutationBuilder(`ids${id}_`);
      const odd = "a'b\\c\td\ne 😀 \u0001";
      const m = [
        b.edge("insert", 1, def.label, "9007199254740993", "-9223372036854775808", { weight: "9223372036854775807", note: odd }),
        b.edge("insert", 1, textual.label, odd, "x`y", { note: odd }),
      ];
      await writeScrambled(fx.graph, m, id);
      const big = await read(def, "out", ["9007199254740993"], m);
      expect(big.map((r) => [r.from, r.to, r.props.weight, r.props.note])).toEqual([["9007199254740993", "-9223372036854775808", "9223372036854775807", odd]]);
      expect((await read(textual, "in", ["x`y"], m)).map((r) => [r.from, r.to, r.props.note])).toEqual([["x`y", odd, odd]]);
    });

    test(`graph: ${engine}: a mutation of a label unknown when written is kept in mutations and shows in no read`, async () => {
      const a = label();
      const ghost = { ...a, label: `ghost${a.id}` };
      const b = new MutationBuilder(`gh${a.id}_`);
      await fx.graph.writeMutations(sinkRows([b.edge("insert", 1, ghost.label, 1, 2)]), "ghost");
      expect(await fx.graph.edges({ label: ghost, direction: "out", vertexIds: [1], limit: 10 })).toEqual([]);
      const kept = await fx.store.query(`SELECT consistency, label_id FROM mutations WHERE label = ${quoteString(ghost.label)}`);
      expect(kept).toEqual([{ consistency: "", label_id: 0 }]);
    });

    test(`graph: ${engine}: quarantine rows keep the raw row and the reason, once per record however often they are written`, async () => {
      const record = { rawText: "{bad\tjson 😀", rawBytes: 14, rawTruncated: false, code: "invalid_json", message: "Unexpected token", line: 3, index: 2, receivedAtMs: 1_700_000_000_000, service: "svc_q" };
      const other = { ...record, line: undefined, index: 0, rawTruncated: true, code: "store_cannot_parse", service: undefined };
      await fx.graph.writeQuarantine([record, other], "q1-2");
      await fx.graph.writeQuarantine([record, other], "q1-2");
      await fx.graph.writeQuarantine([other], "q1-2.b");
      expect(await fx.graph.quarantine({ service: "svc_q" })).toEqual([record]);
      expect((await fx.graph.quarantine()).filter((r) => r.code === "store_cannot_parse")).toEqual([other]);
    });

    test(`graph: ${engine}: a write that cannot be stored fails as invalid before anything is inserted`, async () => {
      const a = label();
      const b = new MutationBuilder(`bad${a.id}_`);
      const bad = { ...b.edge("insert", 1, a.label, 1, 2), ts: -1 };
      const error = await fx.graph.writeMutations(sinkRows([b.edge("insert", 1, a.label, 1, 3), bad]), "bad").then(() => undefined, (e: unknown) => e);
      expect(error).toMatchObject({ kind: "invalid" });
      expect(await fx.graph.edges({ label: a, direction: "out", vertexIds: [1], limit: 10 })).toEqual([]);
    });
  });
}
