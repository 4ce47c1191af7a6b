/**
 * Ingest decode + validate throughput: 1,000-row NDJSON batches of ~200 bytes a row, decoded
 * and validated by `decodeNdjson` (UTF-8 decode, line split, depth scan, JSON.parse, valibot
 * prop checks, SHA-256 ids, the WAL records' bytes), beside the parse limit: UTF-8 decode + line split + `JSON.parse`
 * of the same batch and nothing else. A third row hashes each line with SHA-256 (what the
 * deterministic ids cost at the least). Prints rows/s, MiB/s and the ratio (decode / parse).
 *
 *     node_modules/.bin/bun bench/ingest-decode.ts [--smoke]
 */
import { seededRandom as prng } from "../src/lib/index.ts";
import type { LabelDef, SchemaLookup } from "../src/lib/index.ts";
import { decodeNdjson } from "../src/server/ingest/index.ts";
import { formatCount } from "./stats.ts";

export interface BenchOptions {
  smoke?: boolean;
  /** Rows a batch. */
  batchRows?: number;
  /** Wall time per measurement, after warm-up. */
  durationMs?: number;
}

export interface BenchFigures {
  batchRows: number;
  rowBytes: number;
  decodeRowsPerSecond: number;
  parseRowsPerSecond: number;
  hashRowsPerSecond: number;
  ratio: number;
}


const viewLabel: LabelDef = {
  id: 1, label: "view", srcServiceName: "shop", srcColumnName: "user_id", srcColumnType: "long",
  tgtServiceName: "shop", tgtColumnName: "item_id", tgtColumnType: "long", serviceName: "shop",
  isDirected: true, consistencyLevel: "weak", indices: [], extraProps: "reject", createdAtMs: 0, version: 1,
  props: [
    { name: "dur_ms", dataType: "long", defaultValue: 0 },
    { name: "platform", dataType: "string", defaultValue: "" },
    { name: "ref", dataType: "string", defaultValue: "" },
  ],
};

const lookup: SchemaLookup = {
  version: 1,
  service: () => undefined,
  column: () => undefined,
  label: (name) => (name === "view" ? viewLabel : undefined),
};

const platforms = ["android", "ios", "web", "smart-tv"];
const refs = [
  "home/feed/recommended?exp=ab-17&session=9f3c2e71",
  "search/results/page-2?q=running+shoes&sort=popular",
  "item/related/carousel?src=pdp&pos=4&variant=b",
  "push/campaign/spring-sale?utm=app&msg=7731aa0",
];

function batch(rows: number, random: () => number): Uint8Array {
  const lines: string[] = [];
  for (let i = 0; i < rows; i++) {
    lines.push(JSON.stringify({
      timestamp: 1_700_000_000_000 + Math.floor(random() * 86_400_000),
      from: Math.floor(random() * 1_000_000),
      to: Math.floor(random() * 500_000),
      label: "view",
      op: "insert",
      props: { dur_ms: Math.floor(random() * 60_000), platform: platforms[i % 4], ref: `${refs[i % 4]}/slot-${Math.floor(random() * 40)}` },
    }));
  }
  return new TextEncoder().encode(`${lines.join("\n")}\n`);
}

const decoder = new TextDecoder();

/** The parse limit: what any NDJSON decoder must do at least. */
function parseOnly(body: Uint8Array): number {
  const text = decoder.decode(body);
  let rows = 0;
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf("\n", start);
    if (end === -1) end = text.length;
    if (end > start && JSON.parse(text.slice(start, end)) !== null) rows++;
    start = end + 1;
  }
  return rows;
}

/** SHA-256 of every line: the floor under any per-row cryptographic id. */
function hashOnly(body: Uint8Array): number {
  const text = decoder.decode(body);
  let rows = 0;
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf("\n", start);
    if (end === -1) end = text.length;
    if (end > start && Bun.SHA256.hash(text.slice(start, end), "hex").length > 0) rows++;
    start = end + 1;
  }
  return rows;
}

function decodeAndValidate(body: Uint8Array): number {
  const result = decodeNdjson(body, { lookup, receivedAtMs: 0 });
  if (result.rejectedCount !== 0) throw new Error(`bench rows were rejected: ${JSON.stringify(result.rows.find((r) => !r.ok))}`);
  return result.acceptedCount;
}

function measure(batches: Uint8Array[], run: (body: Uint8Array) => number, durationMs: number): number {
  for (let i = 0; i < Math.min(50, batches.length * 5); i++) run(batches[i % batches.length] as Uint8Array); // warm-up
  let rows = 0;
  let i = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < durationMs) {
    rows += run(batches[i++ % batches.length] as Uint8Array);
    elapsed = performance.now() - start;
  }
  return (rows / elapsed) * 1000;
}

export function main(opts: BenchOptions = {}): BenchFigures {
  const batchRows = opts.batchRows ?? 1000;
  const durationMs = opts.durationMs ?? (opts.smoke ? 200 : 3000);
  const random = prng(42);
  const batches = Array.from({ length: 16 }, () => batch(batchRows, random));
  const rowBytes = (batches[0] as Uint8Array).byteLength / batchRows;
  const parseRowsPerSecond = measure(batches, parseOnly, durationMs);
  const hashRowsPerSecond = measure(batches, hashOnly, durationMs);
  const decodeRowsPerSecond = measure(batches, decodeAndValidate, durationMs);
  const ratio = decodeRowsPerSecond / parseRowsPerSecond;
  const mib = (rowsPerSecond: number) => ((rowsPerSecond * rowBytes) / 2 ** 20).toFixed(1);
  console.log(`ingest-decode: ${batchRows}-row NDJSON batches, ${rowBytes.toFixed(0)} bytes a row${opts.smoke ? " (smoke)" : ""}`);
  console.log(`  JSON.parse of the lines (parse limit)   ${formatCount(parseRowsPerSecond).padStart(12)} rows/s  ${mib(parseRowsPerSecond).padStart(7)} MiB/s`);
  console.log(`  SHA-256 of the lines (id floor)         ${formatCount(hashRowsPerSecond).padStart(12)} rows/s  ${mib(hashRowsPerSecond).padStart(7)} MiB/s`);
  console.log(`  decodeNdjson (+ validate, ids, records)${formatCount(decodeRowsPerSecond).padStart(12)} rows/s  ${mib(decodeRowsPerSecond).padStart(7)} MiB/s`);
  console.log(`  ratio decode / parse limit              ${ratio.toFixed(2).padStart(12)}`);
  return { batchRows, rowBytes, decodeRowsPerSecond, parseRowsPerSecond, hashRowsPerSecond, ratio };
}

if (import.meta.main) main({ smoke: process.argv.includes("--smoke") });
