/**
 * HTTP ingest benchmark: sync ingest (`POST /v1/mutate?wait=durable`, answered after the
 * fsync) of 1,000-row NDJSON batches from concurrent clients to a server in its own process,
 * beside two limits measured in the same run on the same bytes:
 * - the parse limit: `JSON.parse` of every line in this runtime;
 * - the disk limit: a sequential append + `fdatasync` of each batch;
 * - the work floor: what every row costs at the least on one thread, whatever the server around
 *   it: `JSON.parse`, the mutation and its id (canonical JSON + SHA-256, `edgeMutation`), its
 *   record's bytes and their CRC32C. No HTTP, validation, framing or fsync.
 * Then a second phase at half the measured rate, for the ack latency at that load. Both run
 * twice: against the server as it runs (its sink writing into chDB on the same cores), and with
 * ClickHouse unreachable, where the sink waits to retry and ingest runs alone.
 *
 *   node_modules/.bin/bun bench/ingest-http.ts            full size
 *   node_modules/.bin/bun bench/ingest-http.ts --smoke    a few seconds, for CI
 *
 * Goal (issue: durable ingest): sync ingest ≥ 50% of the parse limit; p99 ack < 10 ms at half load.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { edgeMutation } from "../src/server/ingest/index.ts";
import { crc32c } from "../src/wal/index.ts";
import { spawnServer } from "../test/binary/spawn-server.ts";
import { freePorts } from "../test/support/clickhouse-server.ts";
import { formatCount, percentile } from "./stats.ts";
import { benchAdminToken, closedLoop, openLoop, setUpViewLabel } from "./workload.ts";

export interface IngestBenchOptions {
  smoke: boolean;
  clients: number;
  batches: number;
  rowsPerBatch: number;
  log: (line: string) => void;
}

export interface IngestBenchResult {
  rowsPerSecond: number;
  mibPerSecond: number;
  ackP50Ms: number;
  ackP99Ms: number;
  halfLoadP99Ms: number;
  parseRowsPerSecond: number;
  diskRowsPerSecond: number;
  floorRowsPerSecond: number;
  ratioToParse: number;
  ratioToDisk: number;
  /** The same with ClickHouse unreachable: the sink waits, ingest has the cores. */
  aloneRowsPerSecond: number;
  aloneHalfLoadP99Ms: number;
  aloneRatioToParse: number;
}

const admin = benchAdminToken;
const platforms = ["ios", "android", "web"];

/** Seeded batches of `view` events (~200 bytes a row), as BENCH.md's workload. */
function makeBatches(count: number, rows: number): string[] {
  let state = 12345;
  const next = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const batches: string[] = [];
  for (let b = 0; b < count; b++) {
    const lines: string[] = [];
    for (let i = 0; i < rows; i++) {
      const user = Math.floor(1_000_000 * next() ** 3);
      const item = Math.floor(500_000 * next() ** 3);
      lines.push(
        JSON.stringify({
          timestamp: 1_700_000_000_000 + b * rows + i,
          from: user,
          to: `item_${item}`,
          label: "view",
          props: { dur_ms: Math.floor(next() * 60_000), platform: platforms[b % 3], ref: `campaign_${Math.floor(next() * 1000)}_organic` },
        }),
      );
    }
    batches.push(lines.join("\n"));
  }
  return batches;
}

function parseLimit(batches: string[]): number {
  const started = performance.now();
  let rows = 0;
  for (const batch of batches) for (const line of batch.split("\n")) {
    JSON.parse(line);
    rows++;
  }
  return rows / ((performance.now() - started) / 1000);
}

function workFloor(batches: string[]): number {
  const encoder = new TextEncoder();
  const started = performance.now();
  let rows = 0;
  let check = 0;
  for (const batch of batches) for (const line of batch.split("\n")) {
    const el = JSON.parse(line) as { timestamp: number; from: number; to: string; label: string; props: Record<string, string | number> };
    const { record } = edgeMutation("bench", el.label, "insert", el.timestamp, el.from, el.to, el.props);
    check ^= crc32c(encoder.encode(record));
    rows++;
  }
  if (check === 0.5) throw new Error("unreachable: keeps the checksums alive");
  return rows / ((performance.now() - started) / 1000);
}

function diskLimit(batches: string[], dir: string): { rowsPerSecond: number; fsyncP99Ms: number } {
  const file = path.join(dir, "disk-limit.bin");
  const fd = fs.openSync(file, "w");
  const fsyncMs: number[] = [];
  const started = performance.now();
  let rows = 0;
  for (const batch of batches) {
    fs.writeSync(fd, Buffer.from(batch));
    const syncStarted = performance.now();
    fs.fdatasyncSync(fd);
    fsyncMs.push(performance.now() - syncStarted);
    rows += batch.split("\n").length;
  }
  const seconds = (performance.now() - started) / 1000;
  fs.closeSync(fd);
  fs.rmSync(file);
  return { rowsPerSecond: rows / seconds, fsyncP99Ms: percentile(fsyncMs.sort((a, b) => a - b), 99) };
}



interface ServerFigures {
  rowsPerSecond: number;
  mibPerSecond: number;
  ackP50Ms: number;
  ackP99Ms: number;
  halfLoadP99Ms: number;
  /** WAL fsyncs during the half-load phase, and the share of them that took over 10 ms. */
  halfLoadFsyncs: number;
  halfLoadFsyncsOver10msShare: number;
}

/** The server's WAL fsync histogram (`/metrics`): cumulative counts by upper bound. */
async function fsyncHistogram(url: string): Promise<Map<string, number>> {
  const r = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${admin}` } });
  const counts = new Map<string, number>();
  for (const m of (await r.text()).matchAll(/^edgeflow_wal_fsync_duration_seconds_bucket\{le="([^"]+)"\} (\d+)$/gm)) counts.set(m[1] as string, Number(m[2]));
  return counts;
}

/** Closed-loop sync ingest into a fresh server started with `extraArgs`, then the half-load run. */
async function measureServer(o: IngestBenchOptions, batches: string[], extraArgs: string[]): Promise<ServerFigures> {
  // Each server starts on a quiet disk: the pages an earlier phase left dirty (chDB's parts are
  // not fsynced) would otherwise be written back under this one's fsyncs.
  if (Bun.spawnSync(["sync"]).exitCode !== 0) throw new Error("sync failed");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "edgeflow-bench-ingest-"));
  const server = await spawnServer({
    args: ["serve", "--port", "0", "--host", "127.0.0.1", "--data-dir", dir, "--admin-token", admin, "--log-level", "info", "--service-rows-per-second", "100000000", ...extraArgs],
  });
  try {
    await setUpViewLabel(server.url);
    const bytes = batches.reduce((n, b) => n + Buffer.byteLength(b), 0);
    await closedLoop(server.url, batches.slice(0, Math.min(5, batches.length)), 1); // warm-up
    const run = await closedLoop(server.url, batches, o.clients);
    const rowsPerSecond = (batches.length * o.rowsPerBatch) / run.seconds;
    const fsyncsBefore = await fsyncHistogram(server.url);
    const half = (await openLoop(server.url, batches.slice(0, Math.max(10, Math.floor(batches.length / 2))), rowsPerSecond / 2 / o.rowsPerBatch)).latencies;
    const fsyncsAfter = await fsyncHistogram(server.url);
    const during = (le: string) => (fsyncsAfter.get(le) ?? 0) - (fsyncsBefore.get(le) ?? 0);
    const halfLoadFsyncs = during("+Inf");
    // Sync acks need fsyncs: none counted means the histogram was not found, not a quiet disk.
    if (halfLoadFsyncs === 0) throw new Error("ingest-http: no WAL fsync counted in the server's /metrics during the half-load phase");
    return {
      halfLoadFsyncs,
      halfLoadFsyncsOver10msShare: halfLoadFsyncs === 0 ? 0 : 1 - during("0.01") / halfLoadFsyncs,
      rowsPerSecond,
      mibPerSecond: bytes / run.seconds / 2 ** 20,
      ackP50Ms: percentile(run.latencies, 50),
      ackP99Ms: percentile(run.latencies, 99),
      halfLoadP99Ms: percentile(half, 99),
    };
  } finally {
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function main(partial: Partial<IngestBenchOptions> = {}): Promise<IngestBenchResult> {
  const smoke = partial.smoke ?? false;
  const o: IngestBenchOptions = { smoke, clients: 4, batches: smoke ? 20 : 400, rowsPerBatch: 1000, log: console.log, ...partial };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "edgeflow-bench-ingest-limits-"));
  try {
    const batches = makeBatches(o.batches, o.rowsPerBatch);
    // The limits first, on an idle machine: measured after a load, they would share it with a
    // sink still draining the backlog into chDB. The parse runs twice (JIT warm).
    parseLimit(batches);
    const parseRowsPerSecond = parseLimit(batches);
    workFloor(batches);
    const floorRowsPerSecond = workFloor(batches);
    const disk = diskLimit(batches, dir);
    const diskRowsPerSecond = disk.rowsPerSecond;
    const extra = (process.env.BENCH_SERVER_ARGS ?? "").split(" ").filter(Boolean);
    const full = await measureServer(o, batches, extra);
    // The same server with ClickHouse unreachable (an outage: the sink waits to retry and ingest
    // goes on into the WAL): ingest without the sink's inserts and merges on the same cores.
    const [closedPort] = await freePorts(1);
    const alone = await measureServer(o, batches, ["--clickhouse-url", `http://127.0.0.1:${closedPort}`, ...extra]);
    const result: IngestBenchResult = {
      ...full,
      parseRowsPerSecond,
      diskRowsPerSecond,
      floorRowsPerSecond,
      ratioToParse: full.rowsPerSecond / parseRowsPerSecond,
      ratioToDisk: full.rowsPerSecond / diskRowsPerSecond,
      aloneRowsPerSecond: alone.rowsPerSecond,
      aloneHalfLoadP99Ms: alone.halfLoadP99Ms,
      aloneRatioToParse: alone.rowsPerSecond / parseRowsPerSecond,
    };
    const line = (f: ServerFigures) =>
      `${formatCount(f.rowsPerSecond)} rows/s  ${f.mibPerSecond.toFixed(1)} MiB/s  ack p50 ${f.ackP50Ms.toFixed(1)} ms  p99 ${f.ackP99Ms.toFixed(1)} ms; at half that load ack p99 ${f.halfLoadP99Ms.toFixed(1)} ms (goal < 10 ms), WAL fsyncs over 10 ms ${(100 * f.halfLoadFsyncsOver10msShare).toFixed(0)}% of ${f.halfLoadFsyncs}`;
    o.log(`ingest-http: ${formatCount(batches.length * o.rowsPerBatch)} rows in ${o.batches} batches of ${o.rowsPerBatch}, ${o.clients} clients, wait=durable`);
    o.log(`  edgeflow sync ingest, sink writing to chDB        ${line(full)}`);
    o.log(`  edgeflow sync ingest, ClickHouse unreachable      ${line(alone)}`);
    o.log(`  parse limit (JSON.parse)  ${formatCount(parseRowsPerSecond)} rows/s   ratio ${result.ratioToParse.toFixed(2)}, sink waiting ${result.aloneRatioToParse.toFixed(2)} (goal >= 0.50)`);
    o.log(`  disk limit (append+sync)  ${formatCount(diskRowsPerSecond)} rows/s   ratio ${result.ratioToDisk.toFixed(2)}; its fdatasync p99 ${disk.fsyncP99Ms.toFixed(2)} ms`);
    o.log(`  work floor, one thread    ${formatCount(floorRowsPerSecond)} rows/s   (parse + id + record + CRC32C a row: ${(floorRowsPerSecond / parseRowsPerSecond).toFixed(2)} of the parse limit at best)`);
    return result;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) await main({ smoke: process.argv.includes("--smoke") });
