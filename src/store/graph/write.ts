/**
 * Writes: one insert of the sink's batch into `mutations` (the materialized views fan it out),
 * and quarantine rows into `quarantine`.
 *
 * - chDB: a batch goes in chunks of `chdbInsertChunkRows` (default 100 000, the sink's cap, so
 *   one insert a batch): the store runs statements on several sessions, so a read runs beside
 *   the insert, and fewer, bigger inserts make fewer parts (bench/e2e.ts: ~59k -> ~68k rows/s
 *   end to end against 10k-row chunks; small reads during a 100k-row insert p50 2-3 ms, max
 *   ~150-210 ms). The remote engine takes the batch in one insert (the sink caps it at 100k
 *   rows / 32 MiB).
 * - Settings are explicit on every insert, and only ones the engine knows: `insert_deduplicate`
 *   and `max_insert_block_size` everywhere (one block a chunk, so one dedup unit a chunk); on
 *   engines with `insert_deduplication_token`, a token and
 *   `deduplicate_blocks_in_dependent_materialized_views`, so a retried chunk is dropped before
 *   it is stored in `mutations` or any view target. 18.16 has neither: there a retry stores a
 *   second copy, which reads collapse by id.
 * - The token is `<sink token>#<chunk>:<hash of the chunk's row ids>`. The sink's token alone
 *   (a WAL sequence range) is not safe: a second node sinking into the same database, or a
 *   node whose WAL started over, sends the same range with other rows, and ClickHouse would
 *   drop them silently as "already inserted" (the graph property test caught exactly this
 *   when two runs reused a token). Ids are deterministic hashes of the mutations, so the same
 *   token now means the same rows.
 * - Format: JSONEachRow on both engines, chosen by measurement: bench/store-e2e.ts writes the same
 *   100k mutations through `writeMutations` in each format on each engine, in one run. On this
 *   (2-core, shared) machine, write time including encoding:
 *     chDB 26.7      JSONEachRow 1.64 s (encode 0.28 s)   TSV 1.81 s (encode 0.55 s)   TSV/JSON 1.10
 *     ClickHouse 18.16 over loopback HTTP
 *                    JSONEachRow 0.81 s (encode 0.14 s)   TSV 0.80 s (encode 0.39 s)   TSV/JSON 0.99
 *   The engine's parse and the views' fan-out dominate; TSV's body is 2.4x smaller (152 vs 367
 *   B/row) but its encoder (escapes per field, quoted array elements) costs more than it saves
 *   on loopback. `insertFormat: "TSV"` switches, e.g. for a remote server over a slow network.
 * - Errors are the store's `EdgeflowError`s: outages retriable, refused data "invalid".
 */
import { createHash } from "node:crypto";
import { nextTurn, sliceItemsDefault } from "../../lib/index.ts";
import type { InsertFormat, Settings, Store, StoreFeatures } from "../types.ts";
import { jsonEachRow, mutationRow, quarantineRow, tsv } from "./encode.ts";
import { mutationColumns, quarantineColumns, tableNames } from "./schema.ts";
import type { GraphQuarantineRecord, GraphSinkRow, GraphStoreOptions } from "./types.ts";

export const chdbInsertChunkRowsDefault = 100_000;
/** A chunk is one insert block: the server must not split it (1 048 576 is ClickHouse's default too). */
const insertBlockRowsMax = 1_048_576;

export interface WriterDeps {
  store: Store;
  options: GraphStoreOptions;
  features: () => Promise<StoreFeatures>;
}

export function defaultInsertFormat(): InsertFormat {
  return "JSONEachRow";
}

/** One chunk of a batch, encoded: what an insert sends, and the row ids its dedup token hashes. */
interface EncodedChunk {
  body: Buffer;
  ids: string[];
}

export class GraphWriter {
  private readonly format: InsertFormat;
  private readonly chunkRows: number;
  private readonly now: () => number;
  /**
   * The encoded chunks of a batch until it is written, by the sink's rows array: the sink
   * retries a failed write with the same array, and while the store is down each retry
   * encoded the whole batch again (~140 ms of the event loop for 50k rows, every 0.1-15 s).
   */
  private readonly encoded = new WeakMap<readonly object[], EncodedChunk[]>();

  constructor(private readonly deps: WriterDeps) {
    this.format = deps.options.insertFormat ?? defaultInsertFormat();
    this.chunkRows = deps.store.engine === "chdb" ? deps.options.chdbInsertChunkRows ?? chdbInsertChunkRowsDefault : insertBlockRowsMax;
    this.now = deps.options.now ?? Date.now;
  }

  async writeMutations(rows: readonly GraphSinkRow[], dedupToken: string): Promise<void> {
    if (rows.length === 0) return;
    const receivedMs = this.now();
    const schema = this.deps.options.schema;
    await this.insertChunks(tableNames.mutations, rows, (row) => mutationRow(row, schema, receivedMs), mutationColumns, dedupToken, (row) => row.id);
  }

  async writeQuarantine(rows: readonly GraphQuarantineRecord[], dedupToken: string): Promise<void> {
    if (rows.length === 0) return;
    const writtenMs = this.now();
    await this.insertChunks(tableNames.quarantine, rows, (record) => quarantineRow(record, dedupToken, writtenMs), quarantineColumns, dedupToken, (row) => row.row_id);
  }

  /**
   * Encodes and inserts `rows` chunk by chunk; a retry of the same rows array reuses the chunks
   * encoded by the first try (their `received_ms` is that try's).
   */
  private async insertChunks<R extends object, T extends object>(
    table: string,
    rows: readonly R[],
    encode: (row: R) => T,
    columns: readonly string[],
    token: string,
    idOf: (row: T) => string,
  ): Promise<void> {
    const features = await this.deps.features();
    let chunks = this.encoded.get(rows);
    if (chunks === undefined) this.encoded.set(rows, (chunks = []));
    for (let start = 0, chunk = 0; start < rows.length; start += this.chunkRows, chunk++) {
      const end = Math.min(rows.length, start + this.chunkRows);
      const encoded = chunks[chunk] ?? (chunks[chunk] = await this.encodeChunk(rows, start, end, encode, columns, idOf));
      const settings = insertSettings(features, () => chunkToken(token, chunk, encoded.ids));
      await this.deps.store.insert({ table, format: this.format, body: encoded.body, settings });
    }
    this.encoded.delete(rows);
  }

  /**
   * Encodes `rows[start, end)` whole before its insert (a row that cannot be stored fails it as
   * "invalid" before anything is sent), in slices of rows with a turn of the event loop between
   * them (a 50k-row batch in one go held the loop ~100 ms), straight into bytes: the encoded
   * rows of a slice are garbage as soon as it is done, and no chunk-sized string is built next
   * to the bytes.
   */
  private async encodeChunk<R, T extends object>(
    rows: readonly R[], start: number, end: number, encode: (row: R) => T, columns: readonly string[], idOf: (row: T) => string,
  ): Promise<EncodedChunk> {
    const ids: string[] = [];
    const parts: Buffer[] = [];
    for (let at = start; at < end; at += sliceItemsDefault) {
      if (at > start) await nextTurn();
      const slice = rows.slice(at, Math.min(end, at + sliceItemsDefault)).map(encode);
      for (const row of slice) ids.push(idOf(row));
      parts.push(Buffer.from(this.format === "TSV" ? tsv(slice, columns) : jsonEachRow(slice), "utf8"));
    }
    return { body: parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts), ids };
  }
}

/** The dedup token of one chunk: the sink's token, the chunk number, and a hash of the row ids. */
export function chunkToken(sinkToken: string, chunk: number, ids: readonly string[]): string {
  const hash = createHash("sha256");
  for (const id of ids) hash.update(id).update("\n");
  return `${sinkToken}#${chunk}:${hash.digest("hex").slice(0, 32)}`;
}

export function insertSettings(features: StoreFeatures, token: () => string): Settings {
  const settings: Record<string, string | number> = { insert_deduplicate: 1, max_insert_block_size: insertBlockRowsMax };
  if (features.insertDeduplicationToken) {
    settings.insert_deduplication_token = token();
    settings.deduplicate_blocks_in_dependent_materialized_views = 1;
  }
  return settings;
}
