/**
 * The log as a whole: opening (recovery), appending (group commit), reading (cursors),
 * checkpointing, health and metrics. Each of those lives in its own file; this one wires them
 * together and owns the public surface.
 */
import { EdgeflowError, assert } from "../lib/index.ts";
import { type WalConfig, type WalOptions, resolveOptions } from "./options.ts";
import { errorCode, errorText } from "./file-layer.ts";
import { type RecoveryReport, recover } from "./recovery.ts";
import { SegmentSet } from "./segments.ts";
import { frameBytes } from "./format.ts";
import { type AppendResult, type CommitCounters, GroupCommit, type WaitOptions } from "./group-commit.ts";
import { type CursorHost, type CursorOptions, WalCursor } from "./cursor.ts";
import { writeCheckpoint } from "./checkpoint.ts";
import { closedError, diskFullError, failedError, invalidError, ioError } from "./errors.ts";

export interface AppendOptions {
  /** Resolve only after an fsync covers the records (survives power loss). Otherwise once written (survives kill -9). */
  sync: boolean;
}

export interface CheckpointResult {
  checkpointSeq: number;
  segmentsDeleted: string[];
  bytesFreed: number;
}

export type WalState = "ok" | "disk_full" | "failed" | "closed";

export interface WalHealth {
  state: WalState;
  /** True when appends can be accepted now. */
  writable: boolean;
  /** Why the log is not "ok". */
  reason: string | undefined;
  diskBytes: number;
  diskBytesMax: number;
  lastSeq: number;
  durableSeq: number;
  checkpointSeq: number;
}

/** Counters (`...Total`, only grow) and gauges, as plain numbers for the server to export. */
export interface WalMetrics extends CommitCounters {
  segmentsDeletedTotal: number;
  segmentCount: number;
  diskBytes: number;
  queueBytes: number;
  queueAppends: number;
  unsyncedBytes: number;
  cursorCount: number;
  lastSeq: number;
  durableSeq: number;
  checkpointSeq: number;
  failed: number;
}

/** Opens (and recovers) the log in `options.dir`. Throws an EdgeflowError of kind "corrupt" on mid-log corruption. */
export async function openWal(options: WalOptions): Promise<Wal> {
  const cfg = resolveOptions(options);
  try {
    return new Wal(cfg);
  } catch (err) {
    if (err instanceof EdgeflowError) throw err;
    throw ioError("wal_open_failed", `write-ahead log in ${cfg.dir} could not be opened: ${errorText(err)}`, err);
  }
}

export class Wal {
  /** What recovery found and did at open; the caller logs it. */
  readonly recovery: RecoveryReport;
  private readonly segments: SegmentSet;
  private readonly commit: GroupCommit;
  private cpSeq: number;
  private segmentsDeletedTotal = 0;
  private readonly cursors = new Set<WalCursor>();
  private readonly cursorHost: CursorHost;

  /** Use `openWal`. */
  constructor(private readonly cfg: WalConfig) {
    const recovered = recover(cfg);
    this.recovery = recovered.report;
    this.cpSeq = recovered.checkpointSeq;
    this.segments = new SegmentSet(cfg.fs, cfg.dir, recovered.segments, recovered.activeFd);
    this.commit = new GroupCommit(cfg, this.segments);
    assert(this.commit.nextSeq > this.cpSeq, "sequence numbers at or below the checkpoint are never reused");
    this.cursorHost = {
      fs: cfg.fs,
      segments: this.segments,
      recordBytesMax: cfg.recordBytesMax,
      readableSeq: (durableOnly) => (durableOnly ? this.commit.durableSeq : this.commit.writtenSeq),
      waitForSeq: (seq, opts) => this.commit.waitForSeq(seq, opts),
      release: (cursor) => this.cursors.delete(cursor),
    };
  }

  /**
   * Appends records as one unit and resolves with their sequence numbers (consecutive). With
   * `sync`, resolves after the fsync covering them; otherwise once written. Rejects with an
   * EdgeflowError: "overloaded" (`wal_queue_full`), "unavailable" (`wal_disk_full`,
   * `wal_failed`, `wal_closed`), "too_large" or "invalid". The payloads are read when the
   * batch is written, so they must not be modified until the promise settles.
   */
  append(records: readonly Uint8Array[], options: AppendOptions): Promise<AppendResult> {
    return this.commit.append(records, options.sync === true);
  }

  /**
   * `records` in consecutive groups that each fit one append (at most `appendRecordCountMax`
   * records and `appendBytesMax` framed bytes), in order. A caller with more than one append
   * can hold queues the groups in order; each is all or nothing on its own.
   */
  splitForAppend(records: readonly Uint8Array[]): Uint8Array[][] {
    const groups: Uint8Array[][] = [];
    let current: Uint8Array[] = [];
    let bytes = 0;
    for (const r of records) {
      const framed = frameBytes(r.byteLength);
      if (current.length > 0 && (current.length >= this.cfg.appendRecordCountMax || bytes + framed > this.cfg.appendBytesMax)) {
        groups.push(current);
        current = [];
        bytes = 0;
      }
      current.push(r);
      bytes += framed;
    }
    if (current.length > 0) groups.push(current);
    return groups;
  }

  /** A cursor returning records from `fromSeq` on (default: the one after the checkpoint). */
  openCursor(fromSeq: number = this.cpSeq + 1, options: CursorOptions = {}): WalCursor {
    if (this.commit.closed) throw closedError();
    if (!Number.isSafeInteger(fromSeq) || fromSeq < 1) throw invalidError("wal_bad_seq", `cursor start ${fromSeq} is not a positive integer`);
    const cursor = new WalCursor(this.cursorHost, fromSeq, options);
    this.cursors.add(cursor);
    return cursor;
  }

  /** Resolves true when record `seq` is written (or durable), false on timeout/abort. */
  waitForSeq(seq: number, options: WaitOptions = {}): Promise<boolean> {
    return this.commit.waitForSeq(seq, options);
  }

  /**
   * Records that the sink committed everything up to `seq`: durably (see checkpoint.ts), then
   * deletes the segments wholly at or below it. Going backwards is a no-op.
   */
  async checkpoint(seq: number): Promise<CheckpointResult> {
    if (!Number.isSafeInteger(seq) || seq < 0) throw invalidError("wal_bad_seq", `checkpoint ${seq} is not a non-negative integer`);
    if (this.commit.closed) throw closedError();
    if (this.commit.failure) throw failedError(this.commit.failure.reason);
    if (seq > this.commit.writtenSeq) {
      throw invalidError("wal_checkpoint_ahead", `checkpoint ${seq} is beyond the last record written (${this.commit.writtenSeq})`);
    }
    if (seq <= this.cpSeq) return { checkpointSeq: this.cpSeq, segmentsDeleted: [], bytesFreed: 0 };
    try {
      writeCheckpoint(this.cfg.fs, this.cfg.dir, seq);
    } catch (err) {
      if (errorCode(err) === "ENOSPC" && (err as { checkpointRenamed?: boolean }).checkpointRenamed === false) {
        throw diskFullError("no space to write the checkpoint file", { checkpointSeq: this.cpSeq });
      }
      throw this.failWith(`writing the checkpoint failed: ${errorText(err)}`, err);
    }
    this.cpSeq = seq;
    return this.deleteThrough(seq);
  }

  private deleteThrough(seq: number): CheckpointResult {
    let deleted: { names: string[]; bytesFreed: number };
    try {
      deleted = this.segments.deleteThrough(seq);
    } catch (err) {
      throw this.failWith(`deleting segments after checkpoint ${seq} failed: ${errorText(err)}`, err);
    }
    this.segmentsDeletedTotal += deleted.names.length;
    if (deleted.bytesFreed > 0) this.commit.spaceFreed();
    return { checkpointSeq: seq, segmentsDeleted: deleted.names, bytesFreed: deleted.bytesFreed };
  }

  /** Fails the log and returns the error to throw: the first failure's reason, if there was one before. */
  private failWith(reason: string, err: unknown): EdgeflowError {
    this.commit.fail(reason, err);
    return failedError(this.commit.failure?.reason ?? reason);
  }

  get checkpointSeq(): number {
    return this.cpSeq;
  }

  /** The last record written (readable; survives kill -9). 0 if none ever. */
  get lastSeq(): number {
    return this.commit.writtenSeq;
  }

  /** The last record made durable by an fsync. */
  get durableSeq(): number {
    return this.commit.durableSeq;
  }

  /** The oldest record still on disk (may be at or below the checkpoint). */
  get firstSeq(): number {
    return this.segments.first.firstSeq;
  }

  /** True after a write or fsync error: the log refuses writes until reopened. */
  get failed(): boolean {
    return this.commit.failure !== undefined;
  }

  health(): WalHealth {
    const c = this.commit;
    let state: WalState = "ok";
    let reason: string | undefined;
    if (c.closed) state = "closed";
    else if (c.failure) (state = "failed"), (reason = c.failure.reason);
    else if (c.diskFull) (state = "disk_full"), (reason = c.diskFull.reason);
    else if (c.budgetExhausted) (state = "disk_full"), (reason = `disk budget of ${this.cfg.diskBytesMax} bytes used up`);
    return {
      state, writable: state === "ok", reason, diskBytes: this.segments.totalBytes, diskBytesMax: this.cfg.diskBytesMax,
      lastSeq: c.writtenSeq, durableSeq: c.durableSeq, checkpointSeq: this.cpSeq,
    };
  }

  metrics(): WalMetrics {
    const c = this.commit;
    return {
      ...c.counters,
      segmentsDeletedTotal: this.segmentsDeletedTotal,
      segmentCount: this.segments.count,
      diskBytes: this.segments.totalBytes,
      queueBytes: c.queuedBytes,
      queueAppends: c.queuedAppends,
      unsyncedBytes: c.unsyncedBytes,
      cursorCount: this.cursors.size,
      lastSeq: c.writtenSeq,
      durableSeq: c.durableSeq,
      checkpointSeq: this.cpSeq,
      failed: c.failure ? 1 : 0,
    };
  }

  /** Writes and syncs everything queued now (tests and shutdown use it). */
  async flush(): Promise<void> {
    if (this.commit.closed) throw closedError();
    await this.commit.idle();
    this.commit.flush();
  }

  /** Flushes, then closes files and cursors; later calls are refused with `wal_closed`. */
  async close(): Promise<void> {
    if (this.commit.closed) return;
    await this.commit.idle();
    if (this.commit.closed) return;
    this.commit.close();
    for (const cursor of [...this.cursors]) cursor.close();
    try {
      this.segments.closeActive();
    } catch {
      /* closing after a failure may fail again; nothing depends on it */
    }
  }
}
