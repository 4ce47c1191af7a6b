/**
 * The sink's cursor: reads records in sequence order from a starting sequence number, across
 * segments, in batches bounded by count and bytes, and keeps following the log as it grows.
 *
 * A cursor reads only up to what the log has written (or, with `durableOnly`, synced), known
 * from the group commit's counters, and only below the active segment's written end. Segment
 * files are append-only while the log runs, so bytes below that end never change under a
 * reader and no locking is needed. Reads go through one window buffer per cursor, at least one
 * maximum frame long, so a batch costs a few large reads and one copy per payload.
 *
 * Waiting is event-driven: `wait()` registers with the group commit, which resolves it when a
 * write (or sync) moves past the cursor. There is no polling.
 */
import { EdgeflowError, assert } from "../lib/index.ts";
import type { FileLayer } from "./file-layer.ts";
import { SEGMENT_HEADER_BYTES, frameBytes, viewOf } from "./format.ts";
import { type FrameOut, decodeFrameAt, newFrameOut } from "./decoder.ts";
import type { WaitOptions } from "./group-commit.ts";
import type { Segment, SegmentSet } from "./segments.ts";
import { closedError, corruptError } from "./errors.ts";

export interface WalRecord {
  seq: number;
  /** A copy the caller owns. */
  payload: Uint8Array;
}

export interface CursorOptions {
  /** Return only records covered by an fsync. Default false: records are readable once written. */
  durableOnly?: boolean;
  /** Default for `read()`: most records per batch. Default 10,000. */
  recordCountMax?: number;
  /** Default for `read()`: most payload bytes per batch (a batch holds at least one record). Default 8 MiB. */
  bytesMax?: number;
}

export interface ReadLimits {
  recordCountMax?: number;
  bytesMax?: number;
}

/** What a cursor needs from the log. */
export interface CursorHost {
  fs: FileLayer;
  segments: SegmentSet;
  recordBytesMax: number;
  /** The last sequence number a cursor may return. */
  readableSeq(durableOnly: boolean): number;
  waitForSeq(seq: number, options: WaitOptions): Promise<boolean>;
  /** A cursor closing itself, so the log can forget it. */
  release(cursor: WalCursor): void;
}

const WINDOW_BYTES_MIN = 1024 * 1024;
const READ_COUNT_LIMIT = 1_000_000;

export class WalCursor {
  private seg: Segment | undefined;
  private fd = -1;
  /** File offset of the next frame in `seg`. */
  private pos = 0;
  private readonly window: Uint8Array;
  private readonly windowView: DataView;
  private windowStart = 0;
  private windowBytes = 0;
  private readonly frame: FrameOut = newFrameOut();
  private closed = false;
  private readonly durableOnly: boolean;
  private readonly recordCountMax: number;
  private readonly bytesMax: number;

  constructor(
    private readonly host: CursorHost,
    /** The sequence number of the next record this cursor returns. */
    public nextSeq: number,
    options: CursorOptions = {},
  ) {
    assert(Number.isSafeInteger(nextSeq) && nextSeq >= 1, `cursor start ${nextSeq} must be a positive integer`);
    this.durableOnly = options.durableOnly ?? false;
    this.recordCountMax = options.recordCountMax ?? 10_000;
    this.bytesMax = options.bytesMax ?? 8 * 1024 * 1024;
    assert(this.recordCountMax >= 1 && this.recordCountMax <= READ_COUNT_LIMIT, "recordCountMax out of range");
    this.window = new Uint8Array(Math.max(WINDOW_BYTES_MIN, frameBytes(host.recordBytesMax)));
    this.windowView = viewOf(this.window);
  }

  /** Records from `nextSeq` on that are readable now, in order; empty if none. */
  read(limits: ReadLimits = {}): WalRecord[] {
    if (this.closed) throw closedError();
    const countMax = Math.min(limits.recordCountMax ?? this.recordCountMax, READ_COUNT_LIMIT);
    const bytesMax = limits.bytesMax ?? this.bytesMax;
    const limitSeq = this.host.readableSeq(this.durableOnly);
    const out: WalRecord[] = [];
    let bytes = 0;
    while (this.nextSeq <= limitSeq && out.length < countMax) {
      if (!this.position()) break;
      const f = this.readFrame();
      if (f.seq !== this.nextSeq) throw this.damaged(this.seg!, `sequence number ${f.seq} where ${this.nextSeq} was expected:`);
      if (out.length > 0 && bytes + f.payloadBytes > bytesMax) break;
      const start = f.payloadStart - this.windowStart;
      out.push({ seq: f.seq, payload: this.window.slice(start, start + f.payloadBytes) });
      bytes += f.payloadBytes;
      this.pos = f.frameEnd;
      this.nextSeq++;
    }
    return out;
  }

  /** Resolves true once a record at `nextSeq` is readable, false on timeout or abort. */
  wait(options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<boolean> {
    if (this.closed) return Promise.reject(closedError());
    return this.host.waitForSeq(this.nextSeq, { ...options, durable: this.durableOnly });
  }

  /** The next batch, waiting for one if none is readable; empty only on timeout or abort. */
  async next(options: ReadLimits & { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<WalRecord[]> {
    const now = this.read(options);
    if (now.length > 0) return now;
    const reached = await this.wait(options);
    return reached ? this.read(options) : [];
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.closeFile();
    this.host.release(this);
  }

  /** Makes `seg`/`pos` point at the frame of `nextSeq`; false if its segment is not written yet. */
  private position(): boolean {
    if (this.seg && this.nextSeq <= this.seg.lastSeq) return true;
    const seg = this.host.segments.find(this.nextSeq);
    if (!seg) {
      if (this.nextSeq < this.host.segments.first.firstSeq) {
        throw new EdgeflowError("not_found", "wal_seq_gone", `record ${this.nextSeq} was deleted after a checkpoint`, { seq: this.nextSeq });
      }
      return false;
    }
    if (seg === this.seg) return true;
    this.closeFile();
    this.fd = this.host.fs.open(seg.path, "read");
    this.seg = seg;
    this.pos = SEGMENT_HEADER_BYTES;
    this.windowBytes = 0;
    // Skip to nextSeq: frames are variable-length, so the only index is the frames themselves.
    while (this.frameSeqAtPos() < this.nextSeq) this.pos = this.readFrame().frameEnd;
    return true;
  }

  private frameSeqAtPos(): number {
    return this.readFrame().seq;
  }

  /** Decodes the frame at `pos`, refilling the window if it does not hold all of it. */
  private readFrame(): FrameOut {
    const seg = this.seg!;
    for (let attempt = 0; attempt < 2; attempt++) {
      const local = this.pos - this.windowStart;
      if (local >= 0 && local <= this.windowBytes) {
        const status = decodeFrameAt(this.window, this.windowView, local, this.windowBytes, this.host.recordBytesMax, this.frame);
        if (status === "ok") {
          this.frame.payloadStart += this.windowStart;
          this.frame.frameEnd += this.windowStart;
          return this.frame;
        }
        if (status !== "incomplete" && status !== "end") throw this.damaged(seg, status);
      }
      this.fill(seg);
    }
    throw this.damaged(seg, "incomplete");
  }

  private fill(seg: Segment): void {
    const want = Math.min(this.window.length, seg.bytes - this.pos);
    assert(want > 0, `cursor asked to read past the written end of ${seg.name}`);
    const n = this.host.fs.read(this.fd, this.window.subarray(0, want), this.pos);
    this.windowStart = this.pos;
    this.windowBytes = n;
  }

  private damaged(seg: Segment, status: string): EdgeflowError {
    return corruptError(`write-ahead log segment ${seg.path}: ${status} record at byte offset ${this.pos} while reading`, {
      segment: seg.name, file: seg.path, offset: this.pos,
    });
  }

  private closeFile(): void {
    if (this.fd >= 0) this.host.fs.close(this.fd);
    this.fd = -1;
    this.seg = undefined;
  }
}
