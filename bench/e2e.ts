/**
 * End-to-end benchmark: rows/s from HTTP ingest (`/v1/mutate?wait=durable`, 1,000-row NDJSON
 * batches from concurrent clients) to queryable in the graph views, on the embedded engine,
 * with freshness (ack → queryable) p50/p99 from `/v1/stats`, once as fast as the clients can
 * send (the throughput; freshness there is the age of the backlog) and once paced at 70% of the
 * engine limit (the goal's rate: freshness when the pipeline keeps up); beside, in the same run:
 * - the engine limit: the graph store's insert of the same rows, already decoded, into chDB
 *   (same tables and views, no HTTP, no WAL);
 * - what a user does without edgeflow: a direct HTTP JSONEachRow insert of the same rows into
 *   a plain MergeTree table of the ClickHouse server (Debian's 18.16, started here).
 *
 *   node_modules/.bin/bun bench/e2e.ts [--smoke]
 *
 * Goal (issue: ClickHouse store): end-to-end >= 70% of the engine limit; freshness p99 <= 2 s.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { EdgeMutation, LabelDef } from "../src/lib/index.ts";
import { createGraphStore, openStore } from "../src/store/index.ts";
import { spawnServer } from "../test/binary/spawn-server.ts";
import { startClickHouseServer } from "../test/support/clickhouse-server.ts";
import { waitFor } from "../test/support/wait.ts";
import { formatCount, percentile } from "./stats.ts";
import { benchAdminToken, closedLoop, openLoop, setUpViewLabel, viewLabel } from "./workload.ts";

const admin = benchAdminToken;
const platforms = ["ios", "android", "web"];
/**
 * How long the sink gets to drain the backlog after the last ack. A sink that stopped
 * draining then fails the run with the backlog it was left with, instead of hanging it.
 */
const drainTimeoutMs = 120_000;

interface Row {
  timestamp: number;
  from: number;
  to: string;
  label: string;
  props: { dur_ms: number; platform: string; ref: string };
}

function makeRows(count: number): Row[] {
  let state = 99;
  const next = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  return Array.from({ length: count }, (_, i) => ({
    timestamp: 1_700_000_000_000 + i,
    from: Math.floor(1_000_000 * next() ** 3),
    to: `item_${Math.floor(500_000 * next() ** 3)}`,
    label: "view",
    props: { dur_ms: Math.floor(next() * 60_000), platform: platforms[i % 3] ?? "web", ref: `campaign_${i % 1000}` },
  }));
}


/** `rowsPerSecond`: send each batch at its slot of that rate (open loop); undefined: as fast as the clients go. */
async function edgeflowRun(
  rows: Row[], batchRows: number, clients: number, dir: string, rowsPerSecond?: number,
): Promise<{ seconds: number; sendSeconds: number; ackP50Ms: number; ackP99Ms: number; freshness: { p50: number | null; p99: number | null } }> {
  const server = await spawnServer({ args: ["serve", "--port", "0", "--host", "127.0.0.1", "--data-dir", dir, "--admin-token", admin, "--service-rows-per-second", "100000000"] });
  try {
    const h = { authorization: `Bearer ${admin}`, "content-type": "application/json" };
    await setUpViewLabel(server.url);
    const batches: string[] = [];
    for (let i = 0; i < rows.length; i += batchRows) batches.push(rows.slice(i, i + batchRows).map((r) => JSON.stringify(r)).join("\n"));
    const started = performance.now();
    // Paced: each batch at its slot whatever the acks do, so a slow ack's wait is in the latency.
    const load = rowsPerSecond === undefined ? await closedLoop(server.url, batches, clients) : await openLoop(server.url, batches, rowsPerSecond / batchRows);
    const sendSeconds = load.seconds;
    // Queryable: the sink has made every acknowledged row visible.
    let backlogRows = 0;
    const stats = await waitFor(async () => {
      const s = (await (await fetch(`${server.url}/v1/stats`, { headers: h })).json()) as { sink: { backlogRows: number }; freshnessSeconds: { p50: number | null; p99: number | null } };
      backlogRows = s.sink.backlogRows;
      return backlogRows === 0 ? s : undefined;
    }, "the sink to drain every acknowledged row", drainTimeoutMs).catch((error: unknown) => {
      throw new Error(`e2e: ${(error as Error).message}; ${backlogRows} rows were still waiting`);
    });
    return { seconds: (performance.now() - started) / 1000, sendSeconds, ackP50Ms: percentile(load.latencies, 50), ackP99Ms: percentile(load.latencies, 99), freshness: stats.freshnessSeconds };
  } finally {
    await server.stop(30_000);
  }
}

async function engineLimit(rows: Row[], dir: string, batchRows: number): Promise<number> {
  const store = await openStore({ engine: "chdb", dataDir: dir, database: "bench_limit" });
  const label: LabelDef = { ...viewLabel, id: 1, serviceName: "bench", isDirected: true, consistencyLevel: "weak", indices: [], extraProps: "reject", createdAtMs: 0, version: 1, formerIds: [], srcColumnType: "long", tgtColumnType: "string", props: viewLabel.props.map((p) => ({ ...p, dataType: p.dataType as "long" | "string" })) };
  const graph = createGraphStore(store, { schema: { label: (n) => (n === "view" ? label : undefined) } });
  await graph.ensureSchema();
  const prepared = rows.map((r, i): { seq: number; mutation: EdgeMutation } => ({
    seq: i + 1,
    mutation: { kind: "edge", op: "insert", id: `id${i}`, ts: r.timestamp, service: "bench", label: "view", from: r.from, to: r.to, props: r.props },
  }));
  // The sink's batch size under load: up to 100k rows a write.
  const sinkBatch = Math.max(batchRows, 100_000);
  const started = performance.now();
  for (let i = 0; i < prepared.length; i += sinkBatch) await graph.writeMutations(prepared.slice(i, i + sinkBatch), `t${i}`);
  const seconds = (performance.now() - started) / 1000;
  await store.close();
  return rows.length / seconds;
}

async function directServerInsert(rows: Row[], batchRows: number): Promise<number> {
  const server = await startClickHouseServer();
  try {
    const q = (sql: string, body?: string) => fetch(`${server.url}/?query=${encodeURIComponent(sql)}`, { method: "POST", body: body ?? "" }).then(async (r) => {
      if (r.status !== 200) throw new Error(await r.text());
    });
    await q("CREATE TABLE events (ts Int64, from_id Int64, to_id String, label String, dur_ms Int64, platform String, ref String) ENGINE = MergeTree ORDER BY (label, from_id, ts)");
    const bodies: string[] = [];
    for (let i = 0; i < rows.length; i += batchRows) {
      bodies.push(rows.slice(i, i + batchRows).map((r) => JSON.stringify({ ts: r.timestamp, from_id: r.from, to_id: r.to, label: r.label, ...r.props })).join("\n"));
    }
    const started = performance.now();
    for (const body of bodies) await q("INSERT INTO events FORMAT JSONEachRow", body);
    return rows.length / ((performance.now() - started) / 1000);
  } finally {
    await server.dispose();
  }
}

export async function main(opts: { smoke?: boolean; log?: (line: string) => void } = {}): Promise<Record<string, number | null>> {
  const log = opts.log ?? console.log;
  // Long enough that the first batch's wait and the last batch's insert are a small part of it.
  const count = opts.smoke ? 20_000 : 1_000_000;
  const batchRows = 1000;
  const rows = makeRows(count);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "edgeflow-bench-e2e-"));
  try {
    const e2e = await edgeflowRun(rows, batchRows, 4, path.join(dir, "server"));
    const limit = await engineLimit(rows, path.join(dir, "limit"), batchRows);
    const pacedRate = 0.7 * limit;
    const paced = await edgeflowRun(rows, batchRows, 4, path.join(dir, "paced"), pacedRate);
    const direct = await directServerInsert(rows, opts.smoke ? batchRows : 100_000);
    const e2eRate = count / e2e.seconds;
    log(`e2e: ${formatCount(count)} rows, NDJSON batches of ${batchRows}, 4 clients, embedded engine`);
    log(`  edgeflow HTTP -> queryable          ${formatCount(e2eRate)} rows/s   freshness p50 ${e2e.freshness.p50?.toFixed(2) ?? "-"} s  p99 ${e2e.freshness.p99?.toFixed(2) ?? "-"} s (saturated: the backlog's age)`);
    log(`  engine limit (chDB graph insert)    ${formatCount(limit)} rows/s   ratio ${(e2eRate / limit).toFixed(2)} (goal >= 0.70)`);
    log(`  edgeflow paced at 0.70 x limit      ${formatCount(count / paced.sendSeconds)} rows/s sent (${formatCount(pacedRate)} asked), ${formatCount(count / paced.seconds)} rows/s to queryable   freshness p50 ${paced.freshness.p50?.toFixed(2) ?? "-"} s  p99 ${paced.freshness.p99?.toFixed(2) ?? "-"} s (goal p99 <= 2 s at that rate); sync ack p50 ${paced.ackP50Ms.toFixed(1)} ms p99 ${paced.ackP99Ms.toFixed(1)} ms`);
    log(`  direct HTTP insert, ClickHouse 18.16 ${formatCount(direct)} rows/s   ratio ${(e2eRate / direct).toFixed(2)}`);
    return {
      e2eRowsPerSecond: e2eRate, engineLimitRowsPerSecond: limit, directRowsPerSecond: direct, freshnessP99: e2e.freshness.p99,
      pacedSentRowsPerSecond: count / paced.sendSeconds, pacedFreshnessP99: paced.freshness.p99, pacedAckP99Ms: paced.ackP99Ms,
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) await main({ smoke: process.argv.includes("--smoke") });
