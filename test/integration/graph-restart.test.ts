/**
 * A label view is stored as ClickHouse formats its SQL, and the server parses it again at
 * every start. 18.16 formats some expressions into text its own parser refuses (a subscript on
 * a tuple element), and then does not start at all. Every kind of label view must survive a
 * SIGKILL and a restart of the real 18.16 server.
 */
import { expect, test } from "bun:test";
import type { LabelDef } from "../../src/lib/index.ts";
import { createGraphStore, openStore } from "../../src/store/index.ts";
import { startClickHouseServer } from "../support/clickhouse-server.ts";

test("graph: views of weak, strong and undirected labels survive kill -9 and a restart of 18.16", async () => {
  const ch = await startClickHouseServer();
  try {
    const store = await openStore({ engine: "clickhouse", url: ch.url, database: "restart_views" });
    const weak: LabelDef = {
      id: 1, label: "ev", srcServiceName: "o", srcColumnName: "u", srcColumnType: "long", tgtServiceName: "o", tgtColumnName: "i", tgtColumnType: "string",
      serviceName: "o", isDirected: true, consistencyLevel: "weak", extraProps: "reject", createdAtMs: 0, version: 1, indices: [],
      props: [{ name: "n", dataType: "long", defaultValue: 0 }, { name: "s", dataType: "string", defaultValue: "" }, { name: "b", dataType: "boolean", defaultValue: false }],
    };
    const labels = [weak, { ...weak, id: 2, label: "st", consistencyLevel: "strong" as const }, { ...weak, id: 3, label: "un", isDirected: false, tgtColumnType: "long" as const }];
    const graph = createGraphStore(store, { schema: { label: (name) => labels.find((l) => l.label === name) } });
    await graph.ensureSchema();
    expect((await graph.syncLabels(labels)).replaced.length).toBe(3);
    await ch.kill9();
    await store.close();
    await ch.restart();
    const again = await openStore({ engine: "clickhouse", url: ch.url, database: "restart_views" });
    const rows = await again.query<{ name: string }>("SELECT name FROM system.tables WHERE database = 'restart_views' AND name LIKE 'label_%' ORDER BY name");
    expect(rows.map((r) => r.name)).toEqual(["label_ev", "label_st", "label_un"]);
    for (const l of labels) await again.query(`SELECT count() FROM label_${l.label}`);
    await again.close();
  } finally {
    await ch.dispose();
  }
}, 120_000);
