/**
 * The ingest log: where accepted mutations and quarantined rows are written, and how long a
 * request waits.
 *
 * Two WALs under the data dir: `wal/` holds accepted mutations (one record each, the
 * validated mutation as JSON, see `lib/mutation.ts`), `quarantine/` holds refused rows (one
 * record each, the quarantine record as JSON). The sink reads both; the quarantine ends up in
 * ClickHouse's quarantine table.
 *
 * Wait modes:
 * - `async`: answered once the records are written to the log file (they survive `kill -9`,
 *   not power loss);
 * - `durable`: answered after the fsync that covers them;
 * - `visible`: answered once they can be read through the query API. The sink reports how far
 *   it has made the log visible (`setVisibility`); until a sink is attached, visible means
 *   durable.
 */
import path from "node:path";
import { EdgeflowError } from "../../lib/index.ts";
import { openWal, type AppendResult, type FileLayer, type Wal, type WalLogger, type WalObserver } from "../../wal/index.ts";
import { encodeQuarantineRecord, type QuarantineRecord } from "../ingest/index.ts";

export type WaitMode = "async" | "durable" | "visible";

export interface IngestLogOptions {
  dataDir: string;
  repair: boolean;
  segmentBytesMax: number;
  diskBytesMax: number;
  groupCommitWindowMs: number;
  logger?: WalLogger;
  observer?: WalObserver;
  /** The file layer; tests pass one that fails on purpose. */
  fs?: FileLayer;
}

/** How the sink tells the log that records up to a sequence number are queryable. */
export interface Visibility {
  /** Resolves true once every record up to `seq` is visible, false at the deadline. */
  waitVisible(seq: number, timeoutMs: number): Promise<boolean>;
}

/** A visible wait longer than this answers 504: the rows are durable, the caller may read later. */
export const visibleWaitMsMax = 30_000;

/**
 * Appends `records` in as many appends as the log's limits need, queued in order and answered
 * together. One request may encode to more than one append holds: 100k rows of up to 16 MiB on
 * the wire grow with their ids, and 100k refused lines become 100k quarantine records with
 * their reasons.
 */
function appendAll(wal: Wal, records: readonly Uint8Array[], sync: boolean): Promise<AppendResult[]> {
  return Promise.all(wal.splitForAppend(records).map((group) => wal.append(group, { sync })));
}

export class IngestLog {
  private visibility: Visibility | undefined;

  private constructor(
    readonly mutations: Wal,
    readonly quarantine: Wal,
  ) {}

  static async open(options: IngestLogOptions): Promise<IngestLog> {
    const common = {
      repair: options.repair,
      segmentBytesMax: options.segmentBytesMax,
      groupCommitWindowMs: options.groupCommitWindowMs,
      ...(options.logger ? { logger: options.logger } : {}),
      ...(options.observer ? { observer: options.observer } : {}),
      ...(options.fs ? { fs: options.fs } : {}),
    };
    const mutations = await openWal({ ...common, dir: path.join(options.dataDir, "wal"), diskBytesMax: options.diskBytesMax });
    try {
      // The quarantine is small by nature; a tenth of the budget keeps a flood of bad rows from starving good ones.
      const quarantine = await openWal({ ...common, dir: path.join(options.dataDir, "quarantine"), diskBytesMax: Math.max(16 * 1024 * 1024, Math.floor(options.diskBytesMax / 10)) });
      return new IngestLog(mutations, quarantine);
    } catch (error) {
      await mutations.close();
      throw error;
    }
  }

  setVisibility(visibility: Visibility): void {
    this.visibility = visibility;
  }

  /** Called with the last sequence number of every acknowledged write (freshness starts there). */
  onAcknowledged: ((lastSeq: number) => void) | undefined;

  /**
   * Writes mutation records (a decode's `records`, or `encodeMutation`'s) and answers when the
   * wait mode is satisfied. Returns the last sequence number.
   */
  async write(records: readonly Uint8Array[], wait: WaitMode): Promise<number> {
    if (records.length === 0) return this.mutations.lastSeq;
    // A failure after an earlier append was written fails the request: the client retries, and
    // the rows' deterministic ids make the replayed ones collapse downstream.
    const results = await appendAll(this.mutations, records, wait !== "async");
    const lastSeq = results[results.length - 1]?.lastSeq ?? this.mutations.lastSeq;
    this.onAcknowledged?.(lastSeq);
    if (wait === "visible" && this.visibility) {
      const visible = await this.visibility.waitVisible(lastSeq, visibleWaitMsMax);
      if (!visible) {
        throw new EdgeflowError("timeout", "not_yet_visible", `the rows are durable but were not queryable within ${visibleWaitMsMax} ms; they will be`, { lastSeq });
      }
    }
    return lastSeq;
  }

  /**
   * Keeps refused rows. A quarantine that cannot be written (its budget is full) must not turn
   * a good request into a failure, so the caller logs and counts the error instead.
   */
  async writeQuarantine(records: readonly QuarantineRecord[]): Promise<void> {
    if (records.length === 0) return;
    await appendAll(this.quarantine, records.map(encodeQuarantineRecord), false);
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.mutations.close(), this.quarantine.close()]);
  }
}
