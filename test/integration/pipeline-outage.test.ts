/**
 * The pipeline against real failures (RELIABILITY R6, and the store issue's replay test):
 * - the ClickHouse server process is killed under load: ingest goes on into the WAL,
 *   `/readyz` says degraded and why, and when the server is back the backlog drains with
 *   nothing acknowledged lost or duplicated;
 * - edgeflow itself is killed with SIGKILL after rows were written to ClickHouse but before
 *   the checkpoint moved: the restart replays them, and no read shows a duplicate.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnServer } from "../binary/spawn-server.ts";
import { startClickHouseServer, uniqueDatabaseName, type ClickHouseServer } from "../support/clickhouse-server.ts";
import { tempDir } from "../support/tmp.ts";
import { waitFor } from "../support/wait.ts";

const admin = "outage-admin";
const json = { authorization: `Bearer ${admin}`, "content-type": "application/json" };
const ndjson = { authorization: `Bearer ${admin}`, "content-type": "application/x-ndjson" };

let clickhouse: ClickHouseServer;
beforeAll(async () => {
  clickhouse = await startClickHouseServer();
}, 60_000);
afterAll(async () => {
  await clickhouse?.dispose();
});

async function setUp(url: string): Promise<void> {
  await fetch(`${url}/graphs/createService`, { method: "POST", headers: json, body: JSON.stringify({ serviceName: "o" }) });
  const r = await fetch(`${url}/graphs/createLabel`, {
    method: "POST",
    headers: json,
    body: JSON.stringify({ label: "ev", srcServiceName: "o", srcColumnName: "u", srcColumnType: "long", tgtServiceName: "o", tgtColumnName: "i", tgtColumnType: "long", props: [{ name: "n", dataType: "long", defaultValue: 0 }] }),
  });
  expect(r.status).toBe(200);
}

/**
 * Waits until edgeflow has created the label's analyst view. ClickHouse 18.16 killed with
 * SIGKILL in the middle of a CREATE VIEW can leave a metadata file it cannot parse at the next
 * start (seen once here); these tests are about the sink, so they kill it only when no DDL runs.
 */
async function viewsSynced(database: string): Promise<void> {
  const sql = `SELECT count() FROM system.tables WHERE database = '${database}' AND name = 'label_ev'`;
  await waitFor(async () => (await (await fetch(`${clickhouse.url}/?query=${encodeURIComponent(sql)}`)).text()).trim() === "1", "the label view", 30_000);
}

/** Writes `count` distinct edges from vertex `from` (one per target), durably; returns how many were acknowledged. */
async function write(url: string, from: number, first: number, count: number, wait = "durable"): Promise<number> {
  const lines = Array.from({ length: count }, (_, k) => JSON.stringify({ timestamp: first + k, from, to: first + k, label: "ev", props: { n: 1 } }));
  const r = await fetch(`${url}/v1/mutate?wait=${wait}`, { method: "POST", headers: ndjson, body: lines.join("\n") });
  if (r.status !== 200) throw new Error(`write answered ${r.status}: ${await r.text()}`);
  return ((await r.json()) as { accepted: number }).accepted;
}

async function degree(url: string, from: number): Promise<{ size: number; degree: number }> {
  const r = await fetch(`${url}/graphs/getEdges`, {
    method: "POST",
    headers: json,
    body: JSON.stringify({ srcVertices: [{ serviceName: "o", columnName: "u", id: from }], steps: [[{ label: "ev", limit: -1 }]] }),
  });
  const body = (await r.json()) as { size: number; degrees: Array<{ _degree: number }> };
  return { size: body.size, degree: body.degrees[0]?._degree ?? 0 };
}

describe("pipeline under failures", () => {
  test("outage: ClickHouse killed under load; ingest goes on, readyz is degraded, the backlog drains exactly once", async () => {
    const database = uniqueDatabaseName("outage");
    const server = await spawnServer({
      args: ["serve", "--port", "0", "--host", "127.0.0.1", "--data-dir", tempDir(), "--admin-token", admin, "--clickhouse-url", clickhouse.url, "--clickhouse-database", database],
    });
    try {
      await setUp(server.url);
      await viewsSynced(database);
      let acked = await write(server.url, 1, 0, 500, "visible");
      await clickhouse.kill9();
      // Ingest goes on into the WAL while ClickHouse is gone.
      for (let b = 1; b <= 10; b++) acked += await write(server.url, 1, b * 500, 500);
      const degraded = await waitFor(async () => {
        const r = await fetch(`${server.url}/readyz`);
        const body = (await r.json()) as { status: string; checks: Record<string, { ready: boolean; reason?: string }> };
        return r.status === 503 && body.checks.sink?.ready === false ? body : undefined;
      }, "readyz degraded with the sink retrying", 30_000);
      expect(degraded.checks.sink?.reason).toMatch(/rows waiting/);
      await clickhouse.restart();
      await waitFor(async () => (await fetch(`${server.url}/readyz`)).status === 200, "ready again", 60_000);
      await waitFor(async () => (await degree(server.url, 1)).size === acked, `all ${acked} acknowledged edges visible`, 60_000);
      expect(await degree(server.url, 1)).toEqual({ size: acked, degree: acked });
    } finally {
      await server.stop(20_000);
    }
  }, 180_000);

  test("replay: SIGKILL after the insert but before the checkpoint shows no duplicate", async () => {
    const dataDir = tempDir();
    const database = uniqueDatabaseName("replay");
    const args = ["serve", "--port", "0", "--host", "127.0.0.1", "--data-dir", dataDir, "--admin-token", admin, "--clickhouse-url", clickhouse.url, "--clickhouse-database", database];
    let server = await spawnServer({ args });
    await setUp(server.url);
    await viewsSynced(database);
    let acked = 0;
    for (let b = 0; b < 5; b++) acked += await write(server.url, 2, b * 100, 100, "visible");
    // The sink checkpoints a few seconds after ClickHouse acknowledges: a kill now leaves the batches to replay.
    await server.kill9();
    server = await spawnServer({ args });
    try {
      // Replayed rows are written again (same ids); reads must still count each edge once.
      await waitFor(async () => {
        const stats = (await (await fetch(`${server.url}/v1/stats`, { headers: json })).json()) as { sink: { backlogRows: number } };
        return stats.sink.backlogRows === 0;
      }, "replay done", 30_000);
      expect(await degree(server.url, 2)).toEqual({ size: acked, degree: acked });
      const r = await fetch(`${server.url}/graphs/getEdges`, {
        method: "POST",
        headers: json,
        body: JSON.stringify({ srcVertices: [{ serviceName: "o", columnName: "u", id: 2 }], steps: [[{ label: "ev", limit: -1 }]] }),
      });
      const tos = ((await r.json()) as { results: Array<{ to: number }> }).results.map((e) => e.to);
      expect(new Set(tos).size).toBe(tos.length);
    } finally {
      await server.stop(20_000);
    }
  }, 120_000);
});
