/**
 * Options of the log, their defaults and the rules that tie them together. Every queue, batch
 * and file has a `...Max`; names carry their unit last.
 */
import { EdgeflowError } from "../lib/index.ts";
import { type FileLayer, nodeFileLayer } from "./file-layer.ts";
import { FRAME_HEADER_BYTES, SEGMENT_HEADER_BYTES, frameBytes } from "./format.ts";

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/** pino's shape; any object with these three methods will do. */
export interface WalLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface WalClock {
  nowMs(): number;
}

/** Optional callbacks for metrics; `wal.metrics()` gives the counters and gauges as numbers. */
export interface WalObserver {
  /** One sample per fdatasync of a segment: how long it took and how many bytes it made durable. */
  fsync?(durationSeconds: number, bytes: number): void;
  /** One call per group commit batch written. */
  commit?(appendCount: number, recordCount: number, bytes: number): void;
}

export interface WalOptions {
  /** The log's own folder; created if missing. */
  dir: string;
  /** The file layer; the real one over node:fs by default. */
  fs?: FileLayer;
  clock?: WalClock;
  logger?: WalLogger;
  observer?: WalObserver;
  /** Truncate at mid-log corruption instead of refusing to open (dropped data is reported). */
  repair?: boolean;
  /** Size at which a new segment file is started. Default 64 MiB. */
  segmentBytesMax?: number;
  /** Largest record payload. Default 1 MiB. */
  recordBytesMax?: number;
  /** Most records in one append. Default 100,000. */
  appendRecordCountMax?: number;
  /** Most bytes one append takes on disk (payloads plus 16-23 bytes of framing each). Default 16 MiB. */
  appendBytesMax?: number;
  /** How long the first append of a batch waits for others to join it. Default 2 ms. */
  groupCommitWindowMs?: number;
  /** A batch is written at once when this many bytes wait; also the most a batch writes. Default 4 MiB. */
  groupCommitBytesMax?: number;
  /** Bytes waiting to be written, beyond which appends are refused as overloaded. Default 64 MiB. */
  queueBytesMax?: number;
  /** Bytes written but not yet synced, beyond which the log syncs without waiting. Default 8 MiB. */
  unsyncedBytesMax?: number;
  /** How soon bytes of async appends are synced when no sync append comes along. Default 100 ms. */
  syncIntervalMs?: number;
  /** Total bytes of segment files, beyond which appends are refused until a checkpoint frees some. Default 8 GiB. */
  diskBytesMax?: number;
  /** Most pending `waitForSeq` calls (cursors waiting for records). Default 10,000. */
  waitersMax?: number;
  /**
   * Test only, and unsafe: sync appends are answered once written, before the fsync. It exists
   * so a test can show that the durability property test fails when durability is broken.
   */
  testOnlyAckBeforeSync?: boolean;
}

export interface WalConfig {
  dir: string;
  fs: FileLayer;
  clock: WalClock;
  logger: WalLogger | undefined;
  observer: WalObserver;
  repair: boolean;
  segmentBytesMax: number;
  recordBytesMax: number;
  appendRecordCountMax: number;
  appendBytesMax: number;
  groupCommitWindowMs: number;
  groupCommitBytesMax: number;
  queueBytesMax: number;
  unsyncedBytesMax: number;
  syncIntervalMs: number;
  diskBytesMax: number;
  waitersMax: number;
  testOnlyAckBeforeSync: boolean;
  /**
   * The most bytes a crash can leave unsynced at the end of the log: the unsynced limit plus
   * the one batch that may be written before the sync it triggers. A zeroed sector further
   * back than this from the end cannot be a torn write, so it is treated as corruption.
   */
  tornWindowBytes: number;
}

/** Recovery reads a whole segment into memory; this bounds that. */
export const SEGMENT_BYTES_LIMIT = GiB;
const SEGMENT_BYTES_MIN = 4096;

const systemClock: WalClock = { nowMs: () => performance.timeOrigin + performance.now() };

function bad(message: string): EdgeflowError {
  return new EdgeflowError("invalid", "wal_bad_option", `write-ahead log option: ${message}`);
}

function intOption(value: number | undefined, fallback: number, name: string, min: number, max: number): number {
  const v = value ?? fallback;
  if (!Number.isSafeInteger(v) || v < min || v > max) throw bad(`${name} must be an integer in [${min}, ${max}], got ${v}`);
  return v;
}

export function resolveOptions(o: WalOptions): WalConfig {
  if (typeof o.dir !== "string" || o.dir.length === 0) throw bad("dir is required");
  const segmentBytesMax = intOption(o.segmentBytesMax, 64 * MiB, "segmentBytesMax", SEGMENT_BYTES_MIN, SEGMENT_BYTES_LIMIT);
  const segmentRoom = segmentBytesMax - SEGMENT_HEADER_BYTES;
  const appendBytesMax = intOption(o.appendBytesMax, Math.min(16 * MiB, segmentRoom), "appendBytesMax", FRAME_HEADER_BYTES, segmentRoom);
  const recordBytesMax = intOption(o.recordBytesMax, Math.max(0, Math.min(MiB, appendBytesMax - FRAME_HEADER_BYTES - 7)), "recordBytesMax", 0, 0xffff_fff0);
  if (frameBytes(recordBytesMax) > appendBytesMax) throw bad(`recordBytesMax ${recordBytesMax} does not fit in appendBytesMax ${appendBytesMax}`);
  const groupCommitBytesMax = intOption(o.groupCommitBytesMax, 4 * MiB, "groupCommitBytesMax", 1, GiB);
  const queueBytesMax = intOption(o.queueBytesMax, Math.max(64 * MiB, appendBytesMax), "queueBytesMax", appendBytesMax, 64 * GiB);
  const unsyncedBytesMax = intOption(o.unsyncedBytesMax, 8 * MiB, "unsyncedBytesMax", 0, 64 * GiB);
  const diskBytesMax = intOption(o.diskBytesMax, 8 * GiB, "diskBytesMax", 2 * segmentBytesMax, Number.MAX_SAFE_INTEGER);
  return {
    dir: o.dir,
    fs: o.fs ?? nodeFileLayer,
    clock: o.clock ?? systemClock,
    logger: o.logger,
    observer: o.observer ?? {},
    repair: o.repair ?? false,
    segmentBytesMax,
    recordBytesMax,
    appendRecordCountMax: intOption(o.appendRecordCountMax, 100_000, "appendRecordCountMax", 1, 10_000_000),
    appendBytesMax,
    groupCommitWindowMs: intOption(o.groupCommitWindowMs, 2, "groupCommitWindowMs", 0, 10_000),
    groupCommitBytesMax,
    queueBytesMax,
    unsyncedBytesMax,
    syncIntervalMs: intOption(o.syncIntervalMs, 100, "syncIntervalMs", 1, 60_000),
    diskBytesMax,
    waitersMax: intOption(o.waitersMax, 10_000, "waitersMax", 1, 1_000_000),
    testOnlyAckBeforeSync: o.testOnlyAckBeforeSync ?? false,
    tornWindowBytes: unsyncedBytesMax + Math.max(groupCommitBytesMax, appendBytesMax),
  };
}
