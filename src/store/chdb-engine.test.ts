import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EdgeflowError } from "../lib/index.ts";
import { testChdbDataDir, uniqueDatabaseName } from "../../test/support/clickhouse-server.ts";
import { waitFor } from "../../test/support/wait.ts";
import { openStore, type Store } from "./index.ts";

describe("store: chdb", () => {
  let store: Store;

  beforeAll(async () => {
    store = await openStore({ engine: "chdb", dataDir: testChdbDataDir(), database: uniqueDatabaseName("chdb_unit") });
  });

  afterAll(async () => {
    await store?.exec(`DROP DATABASE IF EXISTS ${store.database}`);
    await store?.close();
  });

  test("store: chdb: a 100k-row insert does not block the event loop", async () => {
    await store.exec("CREATE TABLE big (id Int64, label String, payload String) ENGINE = MergeTree ORDER BY id");
    const rowCount = 100_000;
    const lines: string[] = [];
    for (let i = 0; i < rowCount; i += 1) lines.push(JSON.stringify({ id: i, label: `l${i % 97}`, payload: "x".repeat(40) }));
    const body = Buffer.from(`${lines.join("\n")}\n`);

    const tickGapsMs: number[] = [];
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      tickGapsMs.push(now - last);
      last = now;
    }, 2);
    const started = performance.now();
    const result = await store.insert({ table: "big", format: "JSONEachRow", body });
    const insertMs = performance.now() - started;
    clearInterval(timer);

    console.log(`chdb insert of ${rowCount} rows took ${insertMs.toFixed(0)} ms; timer ticked ${tickGapsMs.length} times, max gap ${Math.max(...tickGapsMs).toFixed(1)} ms`);
    expect(result.rowsWritten).toBe(rowCount);
    expect(await store.query<{ n: string }>("SELECT count() AS n FROM big")).toEqual([{ n: String(rowCount) }]);
    // A blocked loop would tick at most once, after the insert; a free one ticks all along.
    expect(tickGapsMs.length).toBeGreaterThanOrEqual(Math.floor(insertMs / 20));
    expect(Math.max(...tickGapsMs)).toBeLessThan(Math.max(100, insertMs / 2));
  });

  test("store: chdb: statements wait for a session, and the depth is visible", async () => {
    const queries = [store.query("SELECT 1 AS x"), store.query("SELECT 2 AS x"), store.query("SELECT 3 AS x")];
    expect(store.pending()).toBe(3);
    expect(await Promise.all(queries)).toEqual([[{ x: 1 }], [{ x: 2 }], [{ x: 3 }]]);
    expect(store.pending()).toBe(0);
  });

  test("store: chdb: two callers' statements run at once, on two sessions", async () => {
    const marker = `edgeflow_parallel_${process.pid}_${Date.now()}`;
    const slow = store.query(`SELECT sleep(1) AS s, '${marker}' AS m`);
    // Asked from a second statement while the first sleeps: one session at a time would answer
    // only after the sleep, when the first is no longer running.
    const running = await waitFor(async () => {
      const [row] = await store.query<{ n: string }>(
        `SELECT count() AS n FROM system.processes WHERE query LIKE '%${marker}%' AND query NOT LIKE '%system.processes%'`,
      );
      const n = Number(row?.n ?? 0);
      return n > 0 ? n : undefined;
    }, "the slow statement in system.processes while it sleeps", 900, 10);
    expect(running).toBe(1);
    expect(await slow).toEqual([{ s: 0, m: marker }]);
  });

  test("store: chdb: a second data directory in the same process is a conflict", async () => {
    const otherDir = mkdtempSync(join(tmpdir(), "edgeflow-chdb-other-"));
    try {
      const error = await openStore({ engine: "chdb", dataDir: otherDir, database: "x" }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(EdgeflowError);
      expect((error as EdgeflowError).kind).toBe("conflict");
      expect((error as EdgeflowError).code).toBe("store.chdb_data_dir_conflict");
    } finally {
      rmSync(otherDir, { recursive: true, force: true });
    }
  });

  test("store: chdb: two stores in one process see only their own database", async () => {
    const other = await openStore({ engine: "chdb", dataDir: testChdbDataDir(), database: uniqueDatabaseName("chdb_other") });
    try {
      await store.exec("CREATE TABLE mine (v String) ENGINE = TinyLog");
      await other.exec("CREATE TABLE mine (v String) ENGINE = TinyLog");
      await Promise.all([
        store.insert({ table: "mine", format: "TSV", body: "first\n" }),
        other.insert({ table: "mine", format: "TSV", body: "second\n" }),
      ]);
      const [a, b] = await Promise.all([store.query("SELECT v FROM mine"), other.query("SELECT v FROM mine")]);
      expect(a).toEqual([{ v: "first" }]);
      expect(b).toEqual([{ v: "second" }]);
      expect(await store.query("SELECT currentDatabase() AS d")).toEqual([{ d: store.database }]);
    } finally {
      await other.exec(`DROP DATABASE IF EXISTS ${other.database}`);
      await other.close();
    }
  });

  test("store: chdb: a closed store refuses work as unavailable and pings degraded", async () => {
    const other = await openStore({ engine: "chdb", dataDir: testChdbDataDir(), database: uniqueDatabaseName("chdb_closed") });
    await other.exec(`DROP DATABASE IF EXISTS ${other.database}`);
    await other.close();
    const error = await other.query("SELECT 1").catch((e: unknown) => e);
    expect((error as EdgeflowError).kind).toBe("unavailable");
    const health = await other.ping();
    expect(health.ready).toBe(false);
    expect(health.status).toBe("degraded");
    // The shared session stays open for the stores still using it.
    expect((await store.ping()).ready).toBe(true);
  });
});
