/**
 * The sink: reads the WAL from its checkpoint, writes batches to ClickHouse, and only then
 * moves the checkpoint.
 *
 * Delivery is at-least-once; the views are effectively-once because every mutation carries a
 * deterministic id that the store deduplicates on (ReplacingMergeTree + reads that collapse
 * ids, plus a dedup token where the engine has one). A `kill -9` between an insert and the
 * checkpoint replays that batch, and no query sees it twice.
 *
 * Batching follows ClickHouse's guidance: 10k–100k rows an insert and a few inserts a second
 * at most (a batch closes at `batchRowsMax` rows or after `flushIntervalMs`); a batch is
 * flushed early when a caller waits for visibility (`wait=visible`, S2Graph's
 * `...WithWait`), after `waiterFlushMs`.
 *
 * Pipelining: up to `deliveriesMax` batches are written at once (the next batch is gathered and
 * sent while the last one is still being inserted), and they become visible strictly in WAL
 * order: a batch's rows count as visible, and its ack time as fresh, only when every batch
 * before it is written too; the checkpoint follows the same order. One insert keeps about one
 * core of the engine busy; two on chDB's two sessions took 2x50k-row batches at ~140k rows/s
 * instead of ~112k one after the other (2 cores).
 *
 * Failures: a retriable error (the server is down, a timeout) retries the same batch with
 * exponential backoff and full jitter, forever — the WAL keeps taking writes up to its disk
 * budget meanwhile, and `/readyz` says degraded and why. A permanent error (the server
 * refuses the data) splits the batch in halves until the refused rows are isolated; those go
 * to the quarantine with the reason, the rest go on. Never a silent drop, never a stuck
 * pipeline.
 *
 * The checkpoint trails the acknowledged position by `checkpointDelayMs`: ClickHouse's ack
 * is not an fsync, so a short window of acknowledged rows stays in the WAL to be replayed
 * (harmlessly, by id) after a power loss of the ClickHouse host.
 */
import type { Logger } from "pino";
import { EdgeflowError, decodeMutation, mapInSlices, nextTurn, sliceItemsDefault, type Mutation } from "../../lib/index.ts";
import type { Wal, WalCursor, WalRecord } from "../../wal/index.ts";
import { decodeQuarantineRecord, encodeQuarantineRecord, quarantineRecord, type QuarantineRecord } from "../ingest/index.ts";
import type { SinkObserver } from "./metrics.ts";

/** Resolves after `ms`, or at once when `signal` aborts. */
function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}
export interface SinkRow {
  seq: number;
  mutation: Mutation;
}

/** What the sink writes to; the store implements it. Errors are `EdgeflowError`s. */
export interface SinkTarget {
  /**
   * Writes the batch, or throws. A retry of the same rows passes the same array and the same
   * token (the store keeps a failed batch's encoding by the array until it is written).
   */
  writeMutations(rows: readonly SinkRow[], dedupToken: string): Promise<void>;
  writeQuarantine(rows: readonly QuarantineRecord[], dedupToken: string): Promise<void>;
}

export interface SinkOptions {
  batchRowsMax: number;
  batchBytesMax: number;
  flushIntervalMs: number;
  waiterFlushMs: number;
  retryBaseMs: number;
  retryMaxMs: number;
  checkpointDelayMs: number;
  /** Batches written at once; they become visible in WAL order. */
  deliveriesMax: number;
}

/**
 * `batchRowsMax` 50k with two deliveries in flight: on chDB (2 cores) bench/e2e.ts went from
 * ~69k rows/s (100k-row batches) to ~79-82k, and the freshness p99 at 0.70 x the engine limit
 * from ~3.3 s to ~2 s; half the rows a batch is half the wait for the last one. A batch closing
 * after 500 ms rather than 1 s took that p99 to ~1.75 s (at ~68k rows/s: batches of ~34k rows,
 * two inserts a second).
 */
export const sinkDefaults: SinkOptions = {
  batchRowsMax: 50_000,
  batchBytesMax: 32 * 1024 * 1024,
  flushIntervalMs: 500,
  waiterFlushMs: 20,
  retryBaseMs: 100,
  retryMaxMs: 15_000,
  checkpointDelayMs: 5_000,
  deliveriesMax: 2,
};


export interface SinkHealth {
  state: "ok" | "retrying" | "stopped";
  reason: string | undefined;
  visibleSeq: number;
  backlogRows: number;
}

const retriedKinds = new Set(["unavailable", "timeout", "io", "overloaded"]);

/**
 * Whether the sink tries a failed write again rather than splitting the batch to isolate a
 * refused row. Wider than the store's `isRetriable`: an error the sink cannot classify (not an
 * `EdgeflowError`) is retried too, since splitting would quarantine good rows for it.
 */
function sinkRetries(error: unknown): boolean {
  return !(error instanceof EdgeflowError) || retriedKinds.has(error.kind);
}

/** Thrown inside the loop when it must give up a retry because the sink is stopping. */
class SinkStopped extends Error {}

interface Waiter {
  seq: number;
  resolve: (visible: boolean) => void;
}

/** A batch being written: committed (visible) once it and every batch before it are written. */
interface Delivery {
  first: number;
  last: number;
  rows: number;
  started: number;
  written: boolean;
  /** Settles when the write is done; rejects only when the sink stops or on a bug. */
  done: Promise<void>;
}

/** Reads one log and writes it in batches; the mutation log and the quarantine log each get one. */
abstract class LogPump<Row> {
  protected visible = 0;
  /** The last seq of the last batch sent to the store (visible or in flight). */
  private dispatched = 0;
  private readonly waiters: Waiter[] = [];
  private running = false;
  private stopping = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private lastError: string | undefined;
  private retrying = false;
  /** Batches made visible and when; the checkpoint follows them `checkpointDelayMs` later. */
  private readonly acked = new AckTimes();
  private crashed = false;
  /** The first failed batch's error; the loop ends with it. */
  private failure: { error: unknown } | undefined;

  constructor(
    protected readonly wal: Wal,
    protected readonly options: SinkOptions,
    protected readonly log: Logger,
    protected readonly now: () => number,
  ) {
    this.visible = wal.checkpointSeq;
    this.dispatched = wal.checkpointSeq;
  }

  /** A batch's records as rows (on the event loop: a pump whose decoding is real work slices it). */
  protected abstract decodeBatch(records: readonly WalRecord[]): Row[] | Promise<Row[]>;
  protected abstract write(rows: Row[], token: string): Promise<void>;
  /** Permanent failure of a single row: keep it somewhere with the reason. */
  protected abstract refuse(row: Row, error: EdgeflowError): Promise<void>;
  protected onVisible(_firstSeq: number, _lastSeq: number): void {}

  get visibleSeq(): number {
    return this.visible;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run().catch((error: unknown) => {
      if (error instanceof SinkStopped) {
        this.log.warn({ backlogRows: this.wal.lastSeq - this.visible }, "sink stopped with rows not yet written; they stay in the WAL");
        return;
      }
      // A bug: say so loudly, and say it in health (`/readyz`) until a restart, which replays
      // the WAL. Nobody waits for visibility any more.
      this.log.fatal({ err: error }, "sink loop crashed");
      this.lastError = `sink crashed: ${(error as Error).message}`;
      this.crashed = true;
      for (const w of this.waiters.splice(0)) w.resolve(false);
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.loop;
    for (const w of this.waiters.splice(0)) w.resolve(false);
  }

  health(): SinkHealth {
    return {
      state: this.stopping || this.crashed ? "stopped" : this.retrying ? "retrying" : "ok",
      reason: this.retrying || this.crashed ? this.lastError : undefined,
      visibleSeq: this.visible,
      backlogRows: Math.max(0, this.wal.lastSeq - this.visible),
    };
  }

  waitVisible(seq: number, timeoutMs: number): Promise<boolean> {
    if (seq <= this.visible) return Promise.resolve(true);
    if (this.crashed) return Promise.resolve(false);
    return new Promise((resolve) => {
      const waiter: Waiter = { seq, resolve };
      const timer = setTimeout(() => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        resolve(false);
      }, timeoutMs);
      waiter.resolve = (visible) => {
        clearTimeout(timer);
        resolve(visible);
      };
      this.waiters.push(waiter);
      this.wake?.();
    });
  }

  private async run(): Promise<void> {
    const cursor = this.wal.openCursor(this.wal.checkpointSeq + 1);
    const deliveries: Delivery[] = [];
    try {
      while (!this.stopping) {
        const records = await this.gather(cursor);
        if (this.failure) throw this.failure.error;
        if (records.length > 0) deliveries.push(this.deliver(records, deliveries));
        // Full: wait for the oldest batch (a failed write rejects here and ends the loop).
        while (deliveries.length >= Math.max(1, this.options.deliveriesMax)) await deliveries[0]?.done;
        await this.maybeCheckpoint();
      }
      for (const d of [...deliveries]) await d.done;
      await this.maybeCheckpoint();
    } finally {
      cursor.close();
    }
  }

  /** Collects records until the batch is full, the flush interval passes, or someone waits. */
  private async gather(cursor: WalCursor): Promise<WalRecord[]> {
    const records: WalRecord[] = [];
    let bytes = 0;
    const started = this.now();
    for (;;) {
      // In reads of a slice of records, a turn of the event loop between them: one read of a
      // whole 50k-record backlog held the loop for tens of ms (ingest's ack latency paid it).
      for (let read = 0; ; read++) {
        const room = Math.min(sliceItemsDefault, this.options.batchRowsMax - records.length);
        if (room <= 0 || bytes >= this.options.batchBytesMax) break;
        if (read > 0) await nextTurn();
        const got = cursor.read({ recordCountMax: room, bytesMax: Math.max(1, this.options.batchBytesMax - bytes) });
        for (const r of got) {
          records.push(r);
          bytes += r.payload.byteLength;
        }
        if (got.length < room) break;
      }
      if (this.stopping || records.length >= this.options.batchRowsMax || bytes >= this.options.batchBytesMax) return records;
      const elapsed = this.now() - started;
      const waiting = this.waitsBeyondDispatched();
      const deadline = waiting ? this.options.waiterFlushMs : this.options.flushIntervalMs;
      if (records.length > 0 && elapsed >= deadline) return records;
      const waitMs = Math.max(1, (records.length > 0 ? deadline : this.options.flushIntervalMs) - elapsed);
      await this.sleepOrWake(cursor, waitMs);
      if (records.length === 0 && !this.waitsBeyondDispatched() && this.now() - started >= this.options.flushIntervalMs) return records;
    }
  }

  /** Whether someone waits for rows not yet sent: waiters for rows in a batch in flight do not hurry the next one. */
  private waitsBeyondDispatched(): boolean {
    return this.waiters.some((w) => w.seq > this.dispatched);
  }

  private async sleepOrWake(cursor: WalCursor, ms: number): Promise<void> {
    const controller = new AbortController();
    const woken = new Promise<void>((resolve) => {
      this.wake = () => {
        controller.abort();
        resolve();
      };
    });
    // A refused wait (a failed or closed log, too many waiters) rejects at once: then sleep on a
    // timer, or the loop would spin through microtasks without a turn of the event loop (on a
    // failed log it held the loop until its next checkpoint failed, ~5 s).
    await Promise.race([cursor.wait({ timeoutMs: ms, signal: controller.signal }).catch(() => delay(ms, controller.signal)), woken]);
    controller.abort();
    this.wake = undefined;
  }

  /** Starts writing a batch; `queue` holds the batches in WAL order, and commits drain it from the front. */
  private deliver(records: WalRecord[], queue: Delivery[]): Delivery {
    const first = records[0]?.seq ?? 0;
    const last = records[records.length - 1]?.seq ?? 0;
    this.dispatched = last;
    const delivery: Delivery = { first, last, rows: 0, started: performance.now(), written: false, done: Promise.resolve() };
    delivery.done = Promise.resolve(this.decodeBatch(records)).then((rows) => {
      delivery.rows = rows.length;
      return this.writeWithRetry(rows, `${first}-${last}`);
    }).then(() => {
      delivery.written = true;
      this.commit(queue);
    });
    // The loop awaits `done` of the oldest batch only when it is full: any batch's failure (the
    // sink stopping, or a bug) is handed to the loop at once, which wakes to end with it.
    delivery.done.catch((error: unknown) => {
      this.failure ??= { error };
      this.wake?.();
    });
    return delivery;
  }

  /** Makes the written batches at the front of the queue visible, in order. */
  private commit(queue: Delivery[]): void {
    while (queue[0]?.written === true) {
      const { first, last, rows, started } = queue.shift() as Delivery;
      this.visible = last;
      this.acked.add(last, this.now());
      this.onVisible(first, last);
      this.batchDone(rows, (performance.now() - started) / 1000);
      for (let i = this.waiters.length - 1; i >= 0; i--) {
        const w = this.waiters[i];
        if (w && w.seq <= last) {
          this.waiters.splice(i, 1);
          w.resolve(true);
        }
      }
    }
  }

  protected batchDone(_rows: number, _seconds: number): void {}
  protected retried(_error: EdgeflowError): void {}

  private async writeWithRetry(rows: Row[], token: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.writeSplitting(rows, token);
        if (this.retrying) this.log.info({ attempts: attempt }, "sink: the store accepts writes again");
        this.retrying = false;
        return;
      } catch (error) {
        const e = error instanceof EdgeflowError ? error : new EdgeflowError("io", "sink_write_failed", String((error as Error)?.message ?? error), {}, { cause: error });
        this.retrying = true;
        this.lastError = `${e.code}: ${e.message}`;
        this.retried(e);
        // Full jitter: many nodes coming back at once must not hammer ClickHouse in step.
        const capMs = Math.min(this.options.retryMaxMs, this.options.retryBaseMs * 2 ** Math.min(attempt, 20));
        const delayMs = Math.random() * capMs;
        if (attempt === 0 || attempt % 10 === 0) this.log.warn({ code: e.code, attempt, delayMs: Math.round(delayMs) }, `sink: write failed, retrying: ${e.message}`);
        await new Promise((resolve) => setTimeout(resolve, delayMs));
        // Stopping while the store is down: give up; the rows stay in the WAL for the next start.
        if (this.stopping && attempt > 2) throw new SinkStopped();
      }
    }
  }

  /** Writes rows; a permanent refusal splits the batch until the refused rows are alone, then refuses them. */
  private async writeSplitting(rows: Row[], token: string): Promise<void> {
    if (rows.length === 0) return;
    try {
      await this.write(rows, token);
    } catch (error) {
      if (sinkRetries(error)) throw error;
      const e = error as EdgeflowError;
      if (rows.length === 1) {
        this.log.warn({ code: e.code }, `sink: a row was refused by the store and goes to the quarantine: ${e.message}`);
        await this.refuse(rows[0] as Row, e);
        return;
      }
      const half = Math.ceil(rows.length / 2);
      await this.writeSplitting(rows.slice(0, half), `${token}.a`);
      await this.writeSplitting(rows.slice(half), `${token}.b`);
    }
  }

  private async maybeCheckpoint(): Promise<void> {
    // A clean stop checkpoints everything acknowledged: nothing to replay on the next start.
    const seq = this.acked.takeUntil(this.stopping ? Infinity : this.now() - this.options.checkpointDelayMs);
    if (seq > this.wal.checkpointSeq) await this.wal.checkpoint(seq);
  }
}

/**
 * Times by sequence number, oldest first: when writes were acknowledged (the sink measures
 * freshness, ack → visible, from them) and when batches became visible (the checkpoint trails
 * those by `checkpointDelayMs`).
 */
export class AckTimes {
  // A queue as an array and a head index: `shift()` would copy the whole array each time, and
  // after an outage the sink takes tens of thousands of entries at once.
  private entries: Array<{ seq: number; atMs: number }> = [];
  private head = 0;
  /** Bounded: under a long outage the oldest times are dropped, and their freshness is not measured. */
  static readonly entriesMax = 100_000;

  add(lastSeq: number, atMs: number): void {
    if (this.entries.length - this.head >= AckTimes.entriesMax) this.head++;
    this.entries.push({ seq: lastSeq, atMs });
    this.compact();
  }

  /** Removes and returns the times of entries whose seq is at or below `seq`. */
  takeUpTo(seq: number): number[] {
    const out: number[] = [];
    while (this.head < this.entries.length && (this.entries[this.head]?.seq ?? Infinity) <= seq) out.push(this.entries[this.head++]?.atMs ?? 0);
    this.compact();
    return out;
  }

  /** Removes the entries at or before `atMs`; returns the last seq removed, or 0. */
  takeUntil(atMs: number): number {
    let seq = 0;
    while (this.head < this.entries.length && (this.entries[this.head]?.atMs ?? Infinity) <= atMs) seq = this.entries[this.head++]?.seq ?? seq;
    this.compact();
    return seq;
  }

  /** Drops the taken entries once they are most of the array, so its length stays near the live count. */
  private compact(): void {
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }
}

/**
 * A WAL record as a sink row, decoded each time `mutation` is read: the store encodes a row
 * right after decoding it, so a batch in flight (kept for retries) holds only its record bytes,
 * not 50k decoded objects for the collector to trace (bench/e2e.ts: the ack latency of ingest
 * beside the sink).
 */
class RecordRow implements SinkRow {
  constructor(
    readonly seq: number,
    private readonly payload: Uint8Array,
  ) {}

  get mutation(): Mutation {
    return decodeMutation(this.payload);
  }
}

class MutationPump extends LogPump<SinkRow> {
  constructor(
    wal: Wal,
    options: SinkOptions,
    log: Logger,
    now: () => number,
    private readonly target: SinkTarget,
    private readonly quarantine: (records: QuarantineRecord[]) => Promise<void>,
    private readonly ackTimes: AckTimes,
    private readonly observer: SinkObserver,
  ) {
    super(wal, options, log, now);
  }

  /** Rows that keep their WAL bytes: the writer decodes and encodes them, in slices (store/graph/write.ts). */
  protected decodeBatch(records: readonly WalRecord[]): SinkRow[] {
    return records.map((record) => new RecordRow(record.seq, record.payload));
  }

  protected write(rows: SinkRow[], token: string): Promise<void> {
    return this.target.writeMutations(rows, token);
  }

  protected async refuse(row: SinkRow, error: EdgeflowError): Promise<void> {
    const mutation = row.mutation;
    await this.quarantine([
      quarantineRecord(JSON.stringify(mutation), `store_${error.code}`, error.message, { service: mutation.service }, { receivedAtMs: this.now() }),
    ]);
    this.observer.quarantined?.(1);
  }

  protected override onVisible(_first: number, last: number): void {
    const now = this.now();
    for (const atMs of this.ackTimes.takeUpTo(last)) this.observer.freshness?.((now - atMs) / 1000);
  }

  protected override batchDone(rows: number, seconds: number): void {
    this.observer.batch?.(rows, seconds);
  }

  protected override retried(error: EdgeflowError): void {
    this.observer.retry?.(error);
  }
}

class QuarantinePump extends LogPump<QuarantineRecord> {
  constructor(
    wal: Wal,
    options: SinkOptions,
    log: Logger,
    now: () => number,
    private readonly target: SinkTarget,
  ) {
    super(wal, options, log, now);
  }

  /** Parsed in slices, so ingest keeps being answered meanwhile. */
  protected decodeBatch(records: readonly WalRecord[]): Promise<QuarantineRecord[]> {
    return mapInSlices(records, (record) => decodeQuarantineRecord(record.payload));
  }

  protected write(rows: QuarantineRecord[], token: string): Promise<void> {
    return this.target.writeQuarantine(rows, `q${token}`);
  }

  protected async refuse(row: QuarantineRecord, error: EdgeflowError): Promise<void> {
    // The quarantine itself refused a row: the last place to keep it is the log.
    this.log.error({ code: error.code, row }, "the quarantine table refused a row; it is kept only in this log line");
  }
}

export interface SinkDeps {
  mutations: Wal;
  quarantine: Wal;
  target: SinkTarget;
  log: Logger;
  now?: () => number;
  observer?: SinkObserver;
  options?: Partial<SinkOptions>;
}

export class Sink {
  readonly ackTimes = new AckTimes();
  private readonly mutationPump: MutationPump;
  private readonly quarantinePump: QuarantinePump;

  constructor(deps: SinkDeps) {
    const options = { ...sinkDefaults, ...deps.options };
    const now = deps.now ?? Date.now;
    const log = deps.log.child({ module: "sink" });
    this.quarantinePump = new QuarantinePump(deps.quarantine, options, log, now, deps.target);
    this.mutationPump = new MutationPump(
      deps.mutations,
      options,
      log,
      now,
      deps.target,
      async (records) => {
        await deps.quarantine.append(records.map(encodeQuarantineRecord), { sync: true });
      },
      this.ackTimes,
      deps.observer ?? {},
    );
  }

  start(): void {
    this.mutationPump.start();
    this.quarantinePump.start();
  }

  async stop(): Promise<void> {
    await this.mutationPump.stop();
    await this.quarantinePump.stop();
  }

  get visibleSeq(): number {
    return this.mutationPump.visibleSeq;
  }

  waitVisible(seq: number, timeoutMs: number): Promise<boolean> {
    return this.mutationPump.waitVisible(seq, timeoutMs);
  }

  health(): SinkHealth {
    return this.mutationPump.health();
  }

  quarantineHealth(): SinkHealth {
    return this.quarantinePump.health();
  }
}
export { SinkMetrics, freshnessSamplesMax, type SinkObserver } from "./metrics.ts";
