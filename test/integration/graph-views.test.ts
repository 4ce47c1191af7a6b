/**
 * The analysts' views, `label_<name>`, on both engines: typed columns, defaults, the current
 * state (the fold for strong labels, every live edge for weak ones), and their life cycle as
 * labels change or go away.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import type { LabelDef, PropDef } from "../../src/lib/index.ts";
import { MutationBuilder, testLabel } from "../../src/store/graph/test-fixtures.ts";
import { createGraphStore, labelViewName, quoteIdentifier, quoteString } from "../../src/store/index.ts";
import { engines, nextLabelId, openGraph, sinkRows, writeScrambled, type GraphFixture } from "./graph-harness.ts";

// Each case runs on both engines; a loaded machine makes them slow, not wrong.
setDefaultTimeout(30_000);

const everyType: PropDef[] = [
  { name: "l", dataType: "long", defaultValue: "9007199254740993" },
  { name: "i", dataType: "integer", defaultValue: -7 },
  { name: "s", dataType: "short", defaultValue: 300 },
  { name: "b", dataType: "byte", defaultValue: -2 },
  { name: "f", dataType: "float", defaultValue: 0.25 },
  { name: "d", dataType: "double", defaultValue: 0.1 },
  { name: "ok", dataType: "boolean", defaultValue: true },
  { name: "txt", dataType: "string", defaultValue: "none'" },
];

for (const engine of engines) {
  describe(`graph: ${engine}: label views`, () => {
    let fx: GraphFixture;

    beforeAll(async () => {
      fx = await openGraph(engine, "gview");
    }, 60_000);

    afterAll(async () => {
      await fx?.close();
    }, 60_000);

    function label(options: Parameters<typeof testLabel>[2] = {}): LabelDef {
      const id = nextLabelId();
      const def = testLabel(`v${id}`, id, { column: `user_${id}`, ...options });
      fx.registry.add(def);
      return def;
    }

    async function view(def: LabelDef): Promise<Record<string, unknown>[]> {
      return fx.store.query(`SELECT * FROM ${quoteIdentifier(labelViewName(def.label))} ORDER BY \`from\`, \`to\`, \`timestamp\``);
    }

    test(`graph: ${engine}: views: each prop is a column of its exact type, ids and timestamp too`, async () => {
      const def = label({ props: everyType });
      const textual = { ...label(), srcColumnType: "string" as const, props: [] };
      fx.registry.add(textual);
      await fx.graph.syncLabels([def, textual]);
      const of = async (d: LabelDef) =>
        (await fx.store.query<{ name: string; type: string }>(`DESCRIBE TABLE ${quoteIdentifier(labelViewName(d.label))}`)).map((c) => [c.name, c.type]);
      expect(await of(def)).toEqual([
        ["from", "Int64"], ["to", "Int64"], ["timestamp", "Int64"], ["l", "Int64"], ["i", "Int32"], ["s", "Int16"], ["b", "Int8"],
        ["f", "Float32"], ["d", "Float64"], ["ok", "UInt8"], ["txt", "String"],
      ]);
      expect(await of(textual)).toEqual([["from", "String"], ["to", "Int64"], ["timestamp", "Int64"]]);
    });

    test(`graph: ${engine}: views: strong labels show the fold, defaults filled in`, async () => {
      const def = label({ props: everyType });
      const b = new MutationBuilder(`vs${def.id}_`);
      const m = [
        b.edge("insert", 1, def.label, 1, 2, { i: 5, txt: "x" }), b.edge("increment", 2, def.label, 1, 2, { i: 2, f: 0.5, d: 1.5 }),
        b.edge("update", 3, def.label, 1, 2, { ok: false, l: "-9223372036854775808" }),
        b.edge("insert", 1, def.label, 1, 3), b.edge("delete", 2, def.label, 1, 3),
      ];
      await writeScrambled(fx.graph, m, def.id);
      await fx.graph.syncLabels([def]);
      expect(await view(def)).toEqual([
        { from: "1", to: "2", timestamp: "3", l: "-9223372036854775808", i: 7, s: 300, b: -2, f: 0.5, d: 1.5, ok: 0, txt: "x" },
      ]);
    });

    test(`graph: ${engine}: views: weak labels show every live edge; undirected labels show each edge once`, async () => {
      const weak = label({ consistency: "weak" });
      const undirected = label({ isDirected: false });
      const b = new MutationBuilder(`vw${weak.id}_`);
      const m = [
        b.edge("insert", 1, weak.label, 1, 2, { weight: 1 }), b.edge("insert", 2, weak.label, 1, 2, { weight: 2 }),
        b.edge("insert", 3, weak.label, 1, 2, { weight: 3 }), b.edge("delete", 2, weak.label, 1, 2),
        b.edge("insert", 1, undirected.label, 2, 1, { weight: 4 }), b.edge("update", 2, undirected.label, 1, 2, { time: 9 }),
      ];
      await writeScrambled(fx.graph, m, weak.id);
      await fx.graph.syncLabels([weak, undirected]);
      expect((await view(weak)).map((r) => [r.from, r.to, r.timestamp, r.weight])).toEqual([["1", "2", "3", "3"]]);
      expect((await view(undirected)).map((r) => [r.from, r.to, r.timestamp, r.weight, r.time])).toEqual([["1", "2", "2", "4", 9]]);
    });

    test(`graph: ${engine}: views: replaced when the label changes, kept when it does not, dropped when it goes`, async () => {
      const def = label();
      const other = label();
      const b = new MutationBuilder(`vl${def.id}_`);
      await fx.graph.writeMutations(sinkRows([b.edge("insert", 1, def.label, 1, 2, { weight: 1 })]), `vl${def.id}`);
      const first = await fx.graph.syncLabels([def, other]);
      expect(first.replaced).toEqual(expect.arrayContaining([labelViewName(def.label), labelViewName(other.label)]));
      // A restarted node syncs the same labels: nothing to do.
      const restarted = createGraphStore(fx.store, { schema: fx.registry });
      expect(await restarted.syncLabels([def, other])).toEqual({ replaced: [], dropped: [] });
      // addProp: a new column, with its default for old edges.
      const changed: LabelDef = { ...def, version: def.version + 1, props: [...def.props, { name: "extra", dataType: "integer", defaultValue: 42 }] };
      const result = await restarted.syncLabels([changed]);
      expect(result).toEqual({ replaced: [labelViewName(def.label)], dropped: expect.arrayContaining([labelViewName(other.label)]) });
      expect((await view(changed)).map((r) => [r.weight, r.extra])).toEqual([["1", 42]]);
      const left = await fx.store.query<{ name: string }>(`SELECT name FROM system.tables
        WHERE database = ${quoteString(fx.store.database)} AND name = ${quoteString(labelViewName(other.label))}`);
      expect(left).toEqual([]);
    });
  });
}
