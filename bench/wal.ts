/**
 * Write-ahead log benchmark: sync appends of 1,000-record batches (~200-byte records) from
 * concurrent appenders, against the disk's own limit measured in the same run (a plain
 * sequential writeSync + fdatasyncSync per batch of the same bytes). Prints records/s, MiB/s,
 * ack latency p50/p99 and the ratio; also the CRC-32C rate and the recovery scan rate.
 *
 *   node_modules/.bin/bun bench/wal.ts            full size (~64 MiB)
 *   node_modules/.bin/bun bench/wal.ts --smoke    a couple of seconds, for CI
 *
 * `main(opts)` is exported for a bench runner; it returns the figures it prints.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { crc32c, openWal } from "../src/wal/index.ts";
import { formatCount, percentile } from "./stats.ts";

export interface WalBenchOptions {
  smoke: boolean;
  appenders: number;
  batchesPerAppender: number;
  recordsPerBatch: number;
  recordBytes: number;
  /** Folder to run in (a temp folder under it is made and removed); the OS temp folder by default. */
  dir: string;
  log: (line: string) => void;
}

export interface RunFigures {
  records: number;
  bytes: number;
  seconds: number;
  recordsPerSecond: number;
  mibPerSecond: number;
  ackP50Ms: number;
  ackP99Ms: number;
  fsyncs: number;
}

export interface WalBenchResult {
  /** With the default group commit window (2 ms). */
  wal: RunFigures;
  /** With no window: a batch is whatever arrived in the same event-loop turn. */
  walNoWindow: RunFigures;
  sequential: RunFigures;
  /** WAL records/s divided by sequential records/s. */
  ratio: number;
  crc32cMibPerSecond: number;
  recoveryScanMibPerSecond: number;
}

const MiB = 1024 * 1024;

function figures(records: number, bytes: number, seconds: number, latencies: number[], fsyncs: number): RunFigures {
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    records, bytes, seconds, fsyncs,
    recordsPerSecond: records / seconds,
    mibPerSecond: bytes / MiB / seconds,
    ackP50Ms: percentile(sorted, 50),
    ackP99Ms: percentile(sorted, 99),
  };
}

/** One batch of distinct-looking records, built once and reused so the timing is the log's, not the generator's. */
function makeBatch(o: WalBenchOptions, appender: number): Uint8Array[] {
  return Array.from({ length: o.recordsPerBatch }, (_, i) => {
    const r = new Uint8Array(o.recordBytes);
    for (let k = 0; k < r.length; k++) r[k] = (appender * 7 + i * 31 + k) & 0xff;
    return r;
  });
}

async function runWal(o: WalBenchOptions, dir: string, groupCommitWindowMs?: number): Promise<{ figures: RunFigures; recoveryScanMibPerSecond: number }> {
  const wal = await openWal(groupCommitWindowMs === undefined ? { dir } : { dir, groupCommitWindowMs });
  const latencies: number[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: o.appenders }, async (_, a) => {
      const batch = makeBatch(o, a);
      for (let b = 0; b < o.batchesPerAppender; b++) {
        const t0 = performance.now();
        await wal.append(batch, { sync: true });
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const m = wal.metrics();
  await wal.close();
  const reopened = await openWal({ dir });
  const scan = reopened.recovery;
  await reopened.close();
  return {
    figures: figures(m.recordsTotal, m.bytesWrittenTotal, seconds, latencies, m.fsyncsTotal),
    recoveryScanMibPerSecond: scan.bytesScanned / MiB / Math.max(scan.durationMs / 1000, 1e-6),
  };
}

/** The disk's limit for the same work done the plain way: one write and one fdatasync per batch, in sequence. */
function runSequential(o: WalBenchOptions, dir: string, bytesPerBatch: number): RunFigures {
  const file = path.join(dir, "sequential.dat");
  const fd = fs.openSync(file, "w");
  const buf = new Uint8Array(bytesPerBatch).fill(0x5a);
  const batches = o.appenders * o.batchesPerAppender;
  const latencies: number[] = [];
  const started = performance.now();
  for (let b = 0; b < batches; b++) {
    const t0 = performance.now();
    fs.writeSync(fd, buf, 0, buf.length, b * buf.length);
    fs.fdatasyncSync(fd);
    latencies.push(performance.now() - t0);
  }
  const seconds = (performance.now() - started) / 1000;
  fs.closeSync(fd);
  return figures(batches * o.recordsPerBatch, batches * buf.length, seconds, latencies, batches);
}

function crcRate(smoke: boolean): number {
  const buf = new Uint8Array(4 * MiB).map((_, i) => (i * 131) & 0xff);
  const rounds = smoke ? 4 : 32;
  let sink = 0;
  const started = performance.now();
  for (let r = 0; r < rounds; r++) sink ^= crc32c(buf);
  const seconds = (performance.now() - started) / 1000;
  if (sink === 0x12345678) console.log(""); // keeps the loop from being optimised away
  return (rounds * buf.length) / MiB / seconds;
}

function row(name: string, f: RunFigures): string {
  const cells = [
    name.padEnd(36),
    formatCount(f.recordsPerSecond).padStart(12),
    f.mibPerSecond.toFixed(1).padStart(9),
    f.ackP50Ms.toFixed(2).padStart(9),
    f.ackP99Ms.toFixed(2).padStart(9),
    String(f.fsyncs).padStart(8),
  ];
  return cells.join(" ");
}

export async function main(opts: Partial<WalBenchOptions> = {}): Promise<WalBenchResult> {
  const smoke = opts.smoke ?? false;
  const o: WalBenchOptions = {
    smoke,
    appenders: opts.appenders ?? 8,
    batchesPerAppender: opts.batchesPerAppender ?? (smoke ? 4 : 40),
    recordsPerBatch: opts.recordsPerBatch ?? 1000,
    recordBytes: opts.recordBytes ?? 200,
    dir: opts.dir ?? os.tmpdir(),
    log: opts.log ?? ((line) => console.log(line)),
  };
  const root = fs.mkdtempSync(path.join(o.dir, "edgeflow-wal-bench-"));
  try {
    const walDir = path.join(root, "wal");
    const { figures: walFigures, recoveryScanMibPerSecond } = await runWal(o, walDir);
    const { figures: walNoWindow } = await runWal(o, path.join(root, "wal-no-window"), 0);
    const bytesPerBatch = Math.round(walFigures.bytes / (o.appenders * o.batchesPerAppender));
    const sequential = runSequential(o, root, bytesPerBatch);
    const result: WalBenchResult = {
      wal: walFigures, walNoWindow, sequential, ratio: walFigures.recordsPerSecond / sequential.recordsPerSecond,
      crc32cMibPerSecond: crcRate(smoke), recoveryScanMibPerSecond,
    };
    o.log(`wal bench${smoke ? " (smoke)" : ""}: ${o.appenders} appenders x ${o.batchesPerAppender} sync batches x ${o.recordsPerBatch} records x ${o.recordBytes} B, in ${o.dir}`);
    o.log(["".padEnd(36), "records/s".padStart(12), "MiB/s".padStart(9), "p50 ms".padStart(9), "p99 ms".padStart(9), "fsyncs".padStart(8)].join(" "));
    o.log(row("edgeflow wal (window 2 ms, default)", walFigures));
    o.log(row("edgeflow wal (window 0 ms)", walNoWindow));
    o.log(row("sequential write+fdatasync/batch", sequential));
    o.log(`ratio wal (default) / sequential: ${result.ratio.toFixed(2)}x; window 0: ${(walNoWindow.recordsPerSecond / sequential.recordsPerSecond).toFixed(2)}x`);
    o.log(`crc32c: ${result.crc32cMibPerSecond.toFixed(0)} MiB/s; recovery scan: ${recoveryScanMibPerSecond.toFixed(0)} MiB/s`);
    return result;
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  await main({ smoke: process.argv.includes("--smoke") });
}
