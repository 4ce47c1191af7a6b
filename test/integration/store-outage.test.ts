/**
 * The remote store across a ClickHouse outage: a server of its own (it gets stopped and
 * killed), started by the harness. Every wait is a condition with a deadline.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { isRetriable, openStore, type Health, type Store } from "../../src/store/index.ts";
import { startClickHouseServer, type ClickHouseServer } from "../support/clickhouse-server.ts";
import { failureOf } from "../support/errors.ts";
import { waitFor } from "../support/wait.ts";

const slowMs = 60_000;

async function waitUntilReady(store: Store): Promise<void> {
  await waitFor(async () => (await store.ping()).ready, "the store to report ready", 15_000);
}

function expectDegraded(health: Health): void {
  expect(health.ready).toBe(false);
  if (health.ready) return;
  expect(health.status).toBe("degraded");
  expect(health.kind).toBe("unavailable");
  expect(health.reason).toMatch(/ECONNREFUSED|socket hang up|ECONNRESET|Unable to connect/);
}

describe("store: clickhouse: outage", () => {
  let server: ClickHouseServer;
  let store: Store;

  beforeAll(async () => {
    server = await startClickHouseServer();
    store = await openStore({ engine: "clickhouse", url: server.url, database: "outage", requestTimeoutMs: 5000 });
    await store.exec("CREATE TABLE rows (id Int64) ENGINE = MergeTree ORDER BY id");
    await store.insert({ table: "rows", format: "TSV", body: "1\n2\n" });
  }, slowMs);

  afterAll(async () => {
    await store?.close();
    await server?.dispose();
  }, slowMs);

  test("store: clickhouse: a stopped server is unavailable, ping says why, and a restart makes it ready again", async () => {
    expect((await store.ping()).ready).toBe(true);
    await server.stop();

    expectDegraded(await store.ping());
    const queryError = await failureOf(store.query("SELECT count() AS n FROM rows"));
    expect(queryError.kind).toBe("unavailable");
    expect(isRetriable(queryError)).toBe(true);
    const insertError = await failureOf(store.insert({ table: "rows", format: "TSV", body: "3\n" }));
    expect(insertError.kind).toBe("unavailable");
    expect(isRetriable(insertError)).toBe(true);

    await server.restart();
    await waitUntilReady(store);
    await store.insert({ table: "rows", format: "TSV", body: "3\n" });
    expect(await store.query("SELECT count() AS n FROM rows")).toEqual([{ n: "3" }]);
  }, slowMs);

  test("store: clickhouse: a server killed with -9 is unavailable until it is back, and keeps acked rows", async () => {
    await server.kill9();
    expectDegraded(await store.ping());
    expect((await failureOf(store.query("SELECT 1"))).kind).toBe("unavailable");
    await server.restart();
    await waitUntilReady(store);
    expect(await store.query("SELECT id FROM rows ORDER BY id")).toEqual([{ id: "1" }, { id: "2" }, { id: "3" }]);
  }, slowMs);

  test("store: clickhouse: a store opened while the server is down becomes ready once it is up", async () => {
    await server.stop();
    const late = await openStore({ engine: "clickhouse", url: server.url, database: "opened_during_outage" });
    try {
      expectDegraded(await late.ping());
      await server.restart();
      await waitUntilReady(late);
      // The deferred CREATE DATABASE ran on the way to ready.
      await late.exec("CREATE TABLE t (x UInt8) ENGINE = TinyLog");
      expect(await late.query("SELECT currentDatabase() AS d")).toEqual([{ d: "opened_during_outage" }]);
    } finally {
      await late.close();
    }
  }, slowMs);
});
