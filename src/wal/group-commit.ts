/**
 * The group commit: appends queue up, are written in batches, and share one fdatasync.
 *
 * The first append into an empty queue starts a `groupCommitWindowMs` timer; appends that
 * arrive before it fires join the batch, and reaching `groupCommitBytesMax` queued bytes
 * commits at once. A batch is encoded into one reused buffer, written with one write per
 * segment it touches, and, if any of its appends asked for sync, made durable by one fdatasync.
 * So N concurrent sync appends cost about one fsync, not N (the unit test counts them, the
 * bench measures the throughput).
 *
 * That fdatasync runs off the event loop (`fdatasyncAsync`), and while it is in flight nothing
 * is written: appends queue up and form the next batch, written when it completes. So a sync
 * in flight covers every byte written, the fd it syncs stays open (a segment rolls only inside
 * a write), and requests go on being decoded meanwhile. The rare fsyncs inside a write (before
 * a segment rolls, after an ENOSPC truncation) and `flush()` stay synchronous: `flush()` writes
 * every queued batch, then syncs once. `idle()` waits for the fsync in flight, and the log
 * awaits it before it flushes or closes.
 *
 * Acknowledgment rules, the contract with `src/server`:
 * - a sync append resolves only after an fdatasync that started after all its bytes were
 *   written (its records survive power loss);
 * - an async append resolves once write() returned for all its bytes (its records survive
 *   kill -9; they are synced within `syncIntervalMs`, or sooner when `unsyncedBytesMax` fills);
 * - an append is all or nothing: it never spans segments. On ENOSPC the partial write is
 *   truncated away and the truncation synced before the append is refused, so that refused
 *   append never reappears after a restart. After a fatal failure (EIO on write, a failed
 *   fdatasync) nothing is truncated, so a refused append may still be on disk and come back
 *   after a restart: refused means not acknowledged, not absent (`properties.test.ts` allows
 *   exactly that);
 * - sequence numbers are assigned in queue order at write time, so they are gap-free.
 *
 * Failure rules. A failed fdatasync or write (other than ENOSPC) is fatal, as PostgreSQL
 * learned in 2018 ("fsyncgate"): Linux reports a write-back error once and may drop the dirty
 * pages, so a retried fsync can succeed while the data is gone. The log then refuses all
 * writes, rejects every pending append with "unavailable"/`wal_failed`, and never acknowledges
 * anything after the failure; a restart recovers from what is on disk. ENOSPC is not fatal:
 * the partial write is truncated away, the batch and queue are refused with `wal_disk_full`,
 * and appends are refused until a checkpoint frees space or the retry time passes.
 */
import { EdgeflowError, assert } from "../lib/index.ts";
import type { WalConfig } from "./options.ts";
import { errorCode, errorText } from "./file-layer.ts";
import { SEGMENT_HEADER_BYTES, frameBytes, segmentName, viewOf } from "./format.ts";
import { encodeFrames } from "./encoder.ts";
import { DISK_FULL_RETRY_AFTER_SECONDS, closedError, diskFullError, failedError, invalidError, queueFullError, tooLargeError } from "./errors.ts";
import { type SegmentSet, writeFully } from "./segments.ts";

export interface AppendResult {
  /** Sequence number of the first record of the append; the others follow one by one. */
  firstSeq: number;
  lastSeq: number;
}

interface PendingAppend {
  records: readonly Uint8Array[];
  encodedBytes: number;
  sync: boolean;
  firstSeq: number;
  lastSeq: number;
  settled: boolean;
  resolve: (r: AppendResult) => void;
  reject: (e: unknown) => void;
}

interface SeqWaiter {
  seq: number;
  durable: boolean;
  settle: (reached: boolean | EdgeflowError) => void;
}

export interface WaitOptions {
  /** Wait for the record to be durable (fsynced), not only written. */
  durable?: boolean;
  /** Resolve `false` after this long. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface CommitCounters {
  appendsTotal: number;
  recordsTotal: number;
  bytesWrittenTotal: number;
  batchesTotal: number;
  writesTotal: number;
  fsyncsTotal: number;
  fsyncSecondsTotal: number;
  segmentsCreatedTotal: number;
  refusedOverloadedTotal: number;
  refusedDiskFullTotal: number;
  refusedTooLargeTotal: number;
}

export class GroupCommit {
  /** The sequence number the next record written gets. */
  nextSeq: number;
  /** The last record whose bytes write() accepted (readable, survives kill -9). */
  writtenSeq: number;
  /** The last record covered by a completed fdatasync (survives power loss). */
  durableSeq: number;
  failure: { reason: string; error: unknown } | undefined;
  diskFull: { reason: string; untilMs: number } | undefined;
  /** Set when the disk budget refused an append; cleared when space frees or an append fits. */
  budgetExhausted = false;
  closed = false;
  unsyncedBytes = 0;
  queuedBytes = 0;
  readonly counters: CommitCounters = {
    appendsTotal: 0, recordsTotal: 0, bytesWrittenTotal: 0, batchesTotal: 0, writesTotal: 0, fsyncsTotal: 0,
    fsyncSecondsTotal: 0, segmentsCreatedTotal: 0, refusedOverloadedTotal: 0, refusedDiskFullTotal: 0, refusedTooLargeTotal: 0,
  };
  private queue: PendingAppend[] = [];
  private queueHead = 0;
  private inflight: PendingAppend[] = [];
  private awaitingSync: PendingAppend[] = [];
  private waiters: SeqWaiter[] = [];
  private commitTimer: ReturnType<typeof setTimeout> | undefined;
  private commitImmediate: ReturnType<typeof setImmediate> | undefined;
  private syncTimer: ReturnType<typeof setTimeout> | undefined;
  /** The fdatasync off the event loop, while in flight; it settles without ever rejecting. */
  private syncInFlight: Promise<void> | undefined;
  private buf: Uint8Array = new Uint8Array(0);
  private view: DataView = new DataView(new ArrayBuffer(0));

  constructor(
    private readonly cfg: WalConfig,
    private readonly segments: SegmentSet,
  ) {
    this.writtenSeq = segments.active.lastSeq;
    // Recovery synced the last segment (earlier ones were synced before they were closed), so
    // everything recovered is durable.
    this.durableSeq = this.writtenSeq;
    this.nextSeq = this.writtenSeq + 1;
  }

  get queuedAppends(): number {
    return this.queue.length - this.queueHead;
  }

  append(records: readonly Uint8Array[], sync: boolean): Promise<AppendResult> {
    const admitted = this.admit(records);
    if (admitted instanceof EdgeflowError) return Promise.reject(admitted);
    return new Promise<AppendResult>((resolve, reject) => {
      this.queue.push({ records, encodedBytes: admitted, sync, firstSeq: 0, lastSeq: 0, settled: false, resolve, reject });
      this.queuedBytes += admitted;
      this.schedule();
    });
  }

  /** Checks an append against every limit; returns its encoded size or the refusal. */
  private admit(records: readonly Uint8Array[]): number | EdgeflowError {
    const cfg = this.cfg;
    if (this.closed) return closedError();
    if (this.failure) return failedError(this.failure.reason);
    if (!Array.isArray(records) || records.length === 0) return invalidError("wal_empty_append", "an append needs at least one record");
    if (records.length > cfg.appendRecordCountMax) {
      this.counters.refusedTooLargeTotal++;
      return tooLargeError(`append of ${records.length} records is over the limit of ${cfg.appendRecordCountMax}`, { recordCount: records.length });
    }
    let bytes = 0;
    for (const r of records) {
      if (!(r instanceof Uint8Array)) return invalidError("wal_bad_record", "records must be Uint8Arrays");
      if (r.length > cfg.recordBytesMax) {
        this.counters.refusedTooLargeTotal++;
        return tooLargeError(`record of ${r.length} bytes is over the limit of ${cfg.recordBytesMax}`, { recordBytes: r.length });
      }
      bytes += frameBytes(r.length);
    }
    if (bytes > cfg.appendBytesMax) {
      this.counters.refusedTooLargeTotal++;
      return tooLargeError(`append of ${bytes} bytes is over the limit of ${cfg.appendBytesMax}`, { appendBytes: bytes });
    }
    return this.admitSpace(bytes);
  }

  private admitSpace(bytes: number): number | EdgeflowError {
    const cfg = this.cfg;
    if (this.diskFull) {
      if (cfg.clock.nowMs() < this.diskFull.untilMs) {
        this.counters.refusedDiskFullTotal++;
        return diskFullError(this.diskFull.reason);
      }
      this.diskFull = undefined; // let this append probe whether space came back
    }
    // Every queued append may need a new segment header; counting one each keeps the budget strict.
    const need = this.segments.totalBytes + this.queuedBytes + SEGMENT_HEADER_BYTES * (this.queuedAppends + 1) + bytes;
    if (need > cfg.diskBytesMax) {
      this.counters.refusedDiskFullTotal++;
      this.budgetExhausted = true;
      return diskFullError(`its disk budget of ${cfg.diskBytesMax} bytes is used up until the sink checkpoints`, {
        diskBytes: this.segments.totalBytes, diskBytesMax: cfg.diskBytesMax,
      });
    }
    if (this.queuedBytes + bytes > cfg.queueBytesMax) {
      this.counters.refusedOverloadedTotal++;
      return queueFullError(this.queuedBytes, cfg.queueBytesMax);
    }
    this.budgetExhausted = false;
    return bytes;
  }

  private schedule(): void {
    if (this.commitImmediate !== undefined) return;
    if (this.queuedBytes >= this.cfg.groupCommitBytesMax || this.cfg.groupCommitWindowMs === 0) {
      if (this.commitTimer !== undefined) clearTimeout(this.commitTimer);
      this.commitTimer = undefined;
      this.commitImmediate = setImmediate(() => this.commit());
    } else if (this.commitTimer === undefined) {
      this.commitTimer = setTimeout(() => this.commit(), this.cfg.groupCommitWindowMs);
    }
  }

  private clearCommitSchedule(): void {
    if (this.commitTimer !== undefined) clearTimeout(this.commitTimer);
    if (this.commitImmediate !== undefined) clearImmediate(this.commitImmediate);
    this.commitTimer = undefined;
    this.commitImmediate = undefined;
  }

  /** Writes one batch from the queue and starts its fsync if it needs one; waits while an fsync is in flight. */
  commit(): void {
    this.clearCommitSchedule();
    // The fsync in flight schedules the next commit when it completes.
    if (this.failure || this.syncInFlight) return;
    if (!this.writeNextBatch()) return;
    if (!this.failure) this.syncIfNeeded();
    if (this.queuedAppends > 0 && !this.failure && !this.syncInFlight) this.schedule();
  }

  /** Takes the next batch from the queue and writes it; false when the queue was empty. */
  private writeNextBatch(): boolean {
    const batch = this.takeBatch();
    if (batch.length === 0) return false;
    this.inflight = batch;
    try {
      this.writeBatch(batch);
    } finally {
      this.inflight = [];
    }
    return true;
  }

  private takeBatch(): PendingAppend[] {
    const batch: PendingAppend[] = [];
    let bytes = 0;
    while (this.queueHead < this.queue.length) {
      const a = this.queue[this.queueHead]!;
      if (batch.length > 0 && bytes + a.encodedBytes > this.cfg.groupCommitBytesMax) break;
      this.queueHead++;
      batch.push(a);
      bytes += a.encodedBytes;
    }
    this.queuedBytes -= bytes;
    // Drop consumed entries now and then, so the array does not grow without bound.
    if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.queueHead);
      this.queueHead = 0;
    }
    if (this.queueHead === this.queue.length) {
      this.queue = [];
      this.queueHead = 0;
    }
    return batch;
  }

  private ensureBuffer(bytes: number): void {
    if (this.buf.length >= bytes) return;
    const size = Math.max(bytes, Math.min(this.cfg.groupCommitBytesMax, this.cfg.appendBytesMax * 2), 64 * 1024);
    this.buf = new Uint8Array(size);
    this.view = viewOf(this.buf);
  }

  /** Encodes and writes a batch, one write per segment part; refuses what could not be written. */
  private writeBatch(batch: PendingAppend[]): void {
    let total = 0;
    for (const a of batch) total += a.encodedBytes;
    this.ensureBuffer(total);
    this.counters.batchesTotal++;
    let seq = this.nextSeq;
    let end = 0;
    let partStart = 0;
    for (let i = 0; i < batch.length; i++) {
      const a = batch[i]!;
      if (this.segments.active.bytes + end + a.encodedBytes > this.cfg.segmentBytesMax) {
        if (!this.writePart(batch, partStart, i, end)) return this.refuseFrom(batch, partStart);
        if (!this.roll()) return this.refuseFrom(batch, i);
        partStart = i;
        end = 0;
      }
      a.firstSeq = seq;
      end = encodeFrames(a.records, seq, this.buf, this.view, end);
      seq += a.records.length;
      a.lastSeq = seq - 1;
    }
    if (!this.writePart(batch, partStart, batch.length, end)) this.refuseFrom(batch, partStart);
  }

  /** Writes `batch[from, to)`, encoded in `buf[0, bytes)`, at the end of the active segment. */
  private writePart(batch: PendingAppend[], from: number, to: number, bytes: number): boolean {
    if (from === to) return true;
    const seg = this.segments.active;
    const pos = seg.bytes;
    assert(pos + bytes <= this.cfg.segmentBytesMax, `a write would take ${seg.name} past segmentBytesMax`);
    assert(batch[from]!.firstSeq === this.nextSeq, "a part starts at the next sequence number");
    try {
      writeFully(this.cfg.fs, this.segments.activeFd, this.buf.subarray(0, bytes), pos);
    } catch (err) {
      this.onWriteError(err, pos);
      return false;
    }
    const lastSeq = batch[to - 1]!.lastSeq;
    this.segments.noteWritten(bytes, lastSeq);
    this.writtenSeq = lastSeq;
    this.nextSeq = lastSeq + 1;
    this.unsyncedBytes += bytes;
    let records = 0;
    for (let i = from; i < to; i++) {
      const a = batch[i]!;
      records += a.records.length;
      if (a.sync && !this.cfg.testOnlyAckBeforeSync) this.awaitingSync.push(a);
      else this.settle(a);
    }
    this.counters.writesTotal++;
    this.counters.appendsTotal += to - from;
    this.counters.recordsTotal += records;
    this.counters.bytesWrittenTotal += bytes;
    this.observe(() => this.cfg.observer.commit?.(to - from, records, bytes));
    this.wakeWaiters();
    return true;
  }

  /** ENOSPC: cut the partial write away and refuse; anything else: the log fails. */
  private onWriteError(err: unknown, pos: number): void {
    const seg = this.segments.active;
    if (errorCode(err) !== "ENOSPC") {
      this.fail(`write to ${seg.name} at byte offset ${pos} failed: ${errorText(err)}`, err);
      return;
    }
    try {
      this.cfg.fs.truncate(this.segments.activeFd, pos);
    } catch (truncErr) {
      this.fail(`disk full, and ${seg.name} could not be truncated back to byte offset ${pos}: ${errorText(truncErr)}`, truncErr);
      return;
    }
    // Syncing the truncation keeps the refused records from reappearing after a power cut.
    if (this.syncActive()) this.enterDiskFull(`the disk is full (ENOSPC writing ${seg.name})`);
  }

  /** Starts the next segment, after syncing the active one (only the last segment may be torn). */
  private roll(): boolean {
    if ((this.unsyncedBytes > 0 || this.awaitingSync.length > 0) && !this.syncActive()) return false;
    try {
      this.segments.roll(this.nextSeq);
    } catch (err) {
      const cleanupFailed = (err as { cleanupFailed?: boolean }).cleanupFailed === true;
      if (errorCode(err) === "ENOSPC" && !cleanupFailed) this.enterDiskFull(`the disk is full (ENOSPC starting segment ${segmentName(this.nextSeq)})`);
      else this.fail(`could not start segment ${segmentName(this.nextSeq)}: ${errorText(err)}`, err);
      return false;
    }
    this.counters.segmentsCreatedTotal++;
    return true;
  }

  private syncIfNeeded(): void {
    if (this.awaitingSync.length > 0 || this.unsyncedBytes > this.cfg.unsyncedBytesMax) {
      this.startSync();
    } else if (this.unsyncedBytes > 0 && this.syncTimer === undefined) {
      this.syncTimer = setTimeout(() => {
        this.syncTimer = undefined;
        if (!this.failure && this.unsyncedBytes > 0 && !this.syncInFlight) this.startSync();
      }, this.cfg.syncIntervalMs);
    }
  }

  /** Starts the fdatasync of the active segment off the event loop; see the file's doc block. */
  private startSync(): void {
    assert(!this.failure && !this.syncInFlight, "one fsync in flight at a time, never after a failure");
    const bytes = this.unsyncedBytes;
    const started = this.cfg.clock.nowMs();
    const name = this.segments.active.name;
    let sync: Promise<void>;
    try {
      sync = this.cfg.fs.fdatasyncAsync(this.segments.activeFd);
    } catch (err) {
      sync = Promise.reject(err);
    }
    this.syncInFlight = sync.then(
      () => {
        this.syncInFlight = undefined;
        // A failure meanwhile (a checkpoint's, say) refused everything: nothing is acknowledged after it.
        if (this.failure) return;
        assert(this.unsyncedBytes === bytes, "nothing is written while an fsync is in flight");
        this.synced(bytes, started);
        if (this.queuedAppends > 0) this.schedule();
      },
      (err: unknown) => {
        this.syncInFlight = undefined;
        this.fail(`fdatasync of ${name} failed: ${errorText(err)}`, err);
      },
    );
  }

  /** Resolves once no fsync is in flight. */
  async idle(): Promise<void> {
    while (this.syncInFlight) await this.syncInFlight;
  }

  /** fdatasync of the active segment, on the event loop; on success everything written is durable. */
  syncActive(): boolean {
    assert(!this.failure, "no sync after a failure");
    assert(!this.syncInFlight, "no synchronous fsync while one is in flight");
    const bytes = this.unsyncedBytes;
    const started = this.cfg.clock.nowMs();
    try {
      this.cfg.fs.fdatasync(this.segments.activeFd);
    } catch (err) {
      this.fail(`fdatasync of ${this.segments.active.name} failed: ${errorText(err)}`, err);
      return false;
    }
    this.synced(bytes, started);
    return true;
  }

  /** An fsync that started at `started` made everything written durable. */
  private synced(bytes: number, started: number): void {
    const seconds = Math.max(0, this.cfg.clock.nowMs() - started) / 1000;
    this.counters.fsyncsTotal++;
    this.counters.fsyncSecondsTotal += seconds;
    this.observe(() => this.cfg.observer.fsync?.(seconds, bytes));
    this.durableSeq = this.writtenSeq;
    this.unsyncedBytes = 0;
    const done = this.awaitingSync;
    this.awaitingSync = [];
    for (const a of done) {
      assert(a.lastSeq <= this.durableSeq, "a sync append is acknowledged only once durable");
      this.settle(a);
    }
    if (this.syncTimer !== undefined) clearTimeout(this.syncTimer);
    this.syncTimer = undefined;
    this.wakeWaiters();
  }

  private settle(a: PendingAppend): void {
    assert(!this.failure, "nothing is acknowledged after a failure");
    if (a.settled) return;
    a.settled = true;
    a.resolve({ firstSeq: a.firstSeq, lastSeq: a.lastSeq });
  }

  private refuse(a: PendingAppend, err: EdgeflowError): void {
    if (a.settled) return;
    a.settled = true;
    a.reject(err);
  }

  private refusalError(): EdgeflowError {
    if (this.failure) return failedError(this.failure.reason);
    if (this.diskFull) return diskFullError(this.diskFull.reason);
    return closedError();
  }

  private refuseFrom(batch: PendingAppend[], from: number): void {
    const err = this.refusalError();
    for (let i = from; i < batch.length; i++) {
      const a = batch[i]!;
      if (a.settled) continue;
      if (err.code === "wal_disk_full") this.counters.refusedDiskFullTotal++;
      this.refuse(a, err);
    }
  }

  private refuseQueue(err: EdgeflowError): void {
    for (let i = this.queueHead; i < this.queue.length; i++) this.refuse(this.queue[i]!, err);
    this.queue = [];
    this.queueHead = 0;
    this.queuedBytes = 0;
  }

  private enterDiskFull(reason: string): void {
    this.diskFull = { reason, untilMs: this.cfg.clock.nowMs() + DISK_FULL_RETRY_AFTER_SECONDS * 1000 };
    this.cfg.logger?.warn({ wal: { reason } }, "wal: disk full; refusing appends until space is freed");
    this.refuseQueue(diskFullError(reason));
  }

  /** A checkpoint freed space: appends may try again at once. */
  spaceFreed(): void {
    this.diskFull = undefined;
    this.budgetExhausted = false;
  }

  /** Makes the log refuse all writes from now on; see the file's doc block. */
  fail(reason: string, error: unknown): void {
    if (this.failure) return;
    this.failure = { reason, error };
    const err = failedError(reason);
    for (const a of this.awaitingSync) this.refuse(a, err);
    this.awaitingSync = [];
    for (const a of this.inflight) this.refuse(a, err);
    this.refuseQueue(err);
    this.clearCommitSchedule();
    if (this.syncTimer !== undefined) clearTimeout(this.syncTimer);
    this.syncTimer = undefined;
    this.settleAllWaiters(err);
    this.cfg.logger?.error({ wal: { reason }, err: error }, "wal: failed; refusing writes until restarted");
  }

  waitForSeq(seq: number, options: WaitOptions = {}): Promise<boolean> {
    const durable = options.durable ?? false;
    if ((durable ? this.durableSeq : this.writtenSeq) >= seq) return Promise.resolve(true);
    if (this.failure) return Promise.reject(failedError(this.failure.reason));
    if (this.closed) return Promise.reject(closedError());
    if (options.signal?.aborted || options.timeoutMs === 0) return Promise.resolve(false);
    if (this.waiters.length >= this.cfg.waitersMax) {
      return Promise.reject(new EdgeflowError("overloaded", "wal_waiters_full", `more than ${this.cfg.waitersMax} waiters`, { retryAfterSeconds: 1 }));
    }
    return new Promise<boolean>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const onAbort = () => waiter.settle(false);
      const waiter: SeqWaiter = {
        seq,
        durable,
        settle: (reached) => {
          const i = this.waiters.indexOf(waiter);
          if (i >= 0) this.waiters.splice(i, 1);
          if (timer !== undefined) clearTimeout(timer);
          options.signal?.removeEventListener("abort", onAbort);
          if (reached instanceof EdgeflowError) reject(reached);
          else resolve(reached);
        },
      };
      this.waiters.push(waiter);
      if (options.timeoutMs !== undefined) timer = setTimeout(() => waiter.settle(false), options.timeoutMs);
      options.signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  private wakeWaiters(): void {
    if (this.waiters.length === 0) return;
    for (const w of [...this.waiters]) {
      if ((w.durable ? this.durableSeq : this.writtenSeq) >= w.seq) w.settle(true);
    }
  }

  private settleAllWaiters(err: EdgeflowError): void {
    for (const w of [...this.waiters]) w.settle(err);
  }

  /**
   * Writes everything queued now, batch after batch, then syncs once on the event loop (not
   * through `commit()`, whose fsync would wait for a turn of the loop that never comes). Called
   * after `idle()`. Throws if the log failed.
   */
  flush(): void {
    assert(!this.syncInFlight, "flush() waits for idle()");
    this.clearCommitSchedule();
    while (this.queuedAppends > 0 && !this.failure) this.writeNextBatch();
    if (!this.failure && this.unsyncedBytes > 0) this.syncActive();
    if (this.failure) throw failedError(this.failure.reason);
  }

  /** Flushes what is queued (unless failed), then refuses everything. */
  close(): void {
    if (this.closed) return;
    assert(!this.syncInFlight, "close() waits for idle()");
    if (!this.failure) {
      try {
        this.flush();
      } catch {
        /* the failure is recorded and every pending append was refused */
      }
    }
    this.closed = true;
    this.clearCommitSchedule();
    if (this.syncTimer !== undefined) clearTimeout(this.syncTimer);
    this.syncTimer = undefined;
    this.refuseQueue(this.refusalError());
    this.settleAllWaiters(closedError());
  }

  private observe(call: () => void): void {
    try {
      call();
    } catch (err) {
      // A metrics callback must never break the commit path halfway through a batch.
      this.cfg.logger?.warn({ err }, "wal: observer callback threw");
    }
  }
}
