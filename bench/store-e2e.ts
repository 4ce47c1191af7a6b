/**
 * Graph store benchmark, on both engines in one run (chDB in-process, and Debian's ClickHouse
 * 18.16 server started here):
 * - insert formats: the same mutations written through `GraphStore.writeMutations` (one insert
 *   into `mutations`, fanned out by the materialized views) as JSONEachRow and as TSV, each into
 *   a fresh database; encode time and write time apart, rows/s and MiB/s, and the TSV/JSON ratio.
 *   write.ts picks its default format from these figures.
 * - reads after the load: `edges` (limit 100, one vertex) and `degrees` latency p50/p99 for a
 *   strong and a weak label, beside `SELECT 1` on the same engine (the floor).
 *
 *   node_modules/.bin/bun bench/store-e2e.ts [--smoke]
 *
 * `main(opts)` is exported for a bench runner; it returns the figures it prints.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { EdgeMutation, LabelDef, Mutation, PropValue } from "../src/lib/index.ts";
import { jsonEachRow, mutationRow, tsv } from "../src/store/graph/encode.ts";
import { mutationColumns } from "../src/store/graph/schema.ts";
import { testLabel } from "../src/store/graph/test-fixtures.ts";
import { createGraphStore, openStore, type InsertFormat, type Store, type StoreEngine } from "../src/store/index.ts";
import { startClickHouseServer } from "../test/support/clickhouse-server.ts";
import { percentile } from "./stats.ts";

export interface StoreBenchOptions {
  smoke: boolean;
  rows: number;
  reads: number;
  log: (line: string) => void;
}

export interface FormatFigures {
  engine: StoreEngine;
  format: InsertFormat;
  rows: number;
  bodyBytes: number;
  encodeSeconds: number;
  writeSeconds: number;
  rowsPerSecond: number;
}

export interface ReadFigures {
  engine: StoreEngine;
  what: string;
  p50Ms: number;
  p99Ms: number;
}

const labels: LabelDef[] = [testLabel("follow", 1), testLabel("view", 2, { consistency: "weak" })];
const schema = { label: (name: string) => labels.find((l) => l.label === name) };
const notes = ["ios", "android", "web", "tab\there", "quote'd"];

function makeMutations(count: number): Mutation[] {
  let state = 7;
  const next = (): number => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const ops: EdgeMutation["op"][] = ["insert", "insert", "update", "increment", "delete"];
  return Array.from({ length: count }, (_, i): Mutation => {
    const weak = i % 2 === 1;
    const op = weak ? "insert" : (ops[Math.floor(next() * ops.length)] ?? "insert");
    const props: Record<string, PropValue> = op === "delete" ? {} : op === "increment" ? { weight: 1 } : { weight: Math.floor(next() * 100), note: notes[i % notes.length] ?? "", time: i };
    return {
      kind: "edge", op, id: `b${i.toString(16).padStart(8, "0")}`, ts: 1_700_000_000_000 + i, service: "svc",
      label: weak ? "view" : "follow", from: Math.floor(1000 * next() ** 2), to: Math.floor(100_000 * next()), props,
    };
  });
}

async function timeReads(reads: number, run: (i: number) => Promise<unknown>): Promise<{ p50Ms: number; p99Ms: number }> {
  const times: number[] = [];
  for (let i = 0; i < reads; i++) {
    const started = performance.now();
    await run(i);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return { p50Ms: percentile(times, 50), p99Ms: percentile(times, 99) };
}

async function benchEngine(
  engine: StoreEngine,
  open: (database: string) => Promise<Store>,
  mutations: Mutation[],
  opts: StoreBenchOptions,
): Promise<{ formats: FormatFigures[]; reads: ReadFigures[] }> {
  const formats: FormatFigures[] = [];
  const reads: ReadFigures[] = [];
  for (const format of ["JSONEachRow", "TSV"] as const) {
    const store = await open(`bench_${format.toLowerCase()}_${process.pid}`);
    const graph = createGraphStore(store, { schema, insertFormat: format });
    await graph.ensureSchema();
    const rows = mutations.map((mutation, i) => ({ seq: i + 1, mutation }));
    const encodeStarted = performance.now();
    const encoded = rows.map((row) => mutationRow(row, schema, 0));
    const body = format === "TSV" ? tsv(encoded, mutationColumns) : jsonEachRow(encoded);
    const encodeSeconds = (performance.now() - encodeStarted) / 1000;
    const started = performance.now();
    await graph.writeMutations(rows, "bench");
    const writeSeconds = (performance.now() - started) / 1000;
    const figures = { engine, format, rows: rows.length, bodyBytes: Buffer.byteLength(body), encodeSeconds, writeSeconds, rowsPerSecond: rows.length / writeSeconds };
    formats.push(figures);
    opts.log(`${engine.padEnd(10)} ${format.padEnd(11)} ${rows.length} rows  write ${writeSeconds.toFixed(2)} s (of which encode ${encodeSeconds.toFixed(2)} s)  ` +
      `${Math.round(figures.rowsPerSecond)} rows/s  ${(figures.bodyBytes / 2 ** 20 / writeSeconds).toFixed(1)} MiB/s  ${Math.round(figures.bodyBytes / rows.length)} B/row`);
    if (format === "JSONEachRow") {
      const floor = await timeReads(opts.reads, () => store.query("SELECT 1"));
      reads.push({ engine, what: "SELECT 1", ...floor });
      for (const label of labels) {
        const edges = await timeReads(opts.reads, (i) => graph.edges({ label, direction: "out", vertexIds: [i % 50], limit: 100 }));
        reads.push({ engine, what: `edges ${label.consistencyLevel}`, ...edges });
        const degrees = await timeReads(opts.reads, (i) => graph.degrees({ label, direction: "out", vertexIds: [i % 50] }));
        reads.push({ engine, what: `degrees ${label.consistencyLevel}`, ...degrees });
      }
      for (const r of reads) opts.log(`${engine.padEnd(10)} read ${r.what.padEnd(16)} p50 ${r.p50Ms.toFixed(1)} ms  p99 ${r.p99Ms.toFixed(1)} ms`);
    }
    await store.exec(`DROP DATABASE IF EXISTS ${store.database}`);
    await store.close();
  }
  const [json, tsvFigures] = formats;
  if (json && tsvFigures) opts.log(`${engine.padEnd(10)} ratio TSV/JSONEachRow write time ${(tsvFigures.writeSeconds / json.writeSeconds).toFixed(2)}`);
  return { formats, reads };
}

export async function main(partial: Partial<StoreBenchOptions> = {}): Promise<{ formats: FormatFigures[]; reads: ReadFigures[] }> {
  const smoke = partial.smoke ?? process.argv.includes("--smoke");
  const opts: StoreBenchOptions = { smoke, rows: smoke ? 5_000 : 100_000, reads: smoke ? 20 : 200, log: console.log, ...partial };
  const mutations = makeMutations(opts.rows);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "edgeflow-bench-store-"));
  const server = await startClickHouseServer();
  try {
    const chdb = await benchEngine("chdb", (database) => openStore({ engine: "chdb", dataDir: dir, database }), mutations, opts);
    const remote = await benchEngine("clickhouse", (database) => openStore({ engine: "clickhouse", url: server.url, database }), mutations, opts);
    return { formats: [...chdb.formats, ...remote.formats], reads: [...chdb.reads, ...remote.reads] };
  } finally {
    await server.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) await main();
