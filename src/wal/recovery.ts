/**
 * Recovery at open: read the checkpoint, verify every record of every segment still needed,
 * cut a torn tail, refuse (or, with `repair`, cut at) corruption, and hand back a consistent log.
 *
 * How a damaged spot is judged. Recovery stops at the first frame that fails verification
 * (incomplete, length over the limit, checksum mismatch, unexpected sequence number), or at a
 * segment header that does, and asks whether a verified frame with a later sequence number
 * follows it anywhere in that segment:
 *
 * - Only the last segment can be torn, because the group commit syncs a segment before it
 *   creates the next one. Damage in any other segment is corruption.
 * - In the last segment, damage with nothing valid after it is a torn tail: the crash cut the
 *   last write short, or the file grew and its blocks were never written.
 * - Damage with valid frames after it is corruption, with one exception taken from etcd: if a
 *   sector the bad frame touches is zero from the frame's piece to the sector's end
 *   (`hasZeroSector` in decoder.ts) and the damage lies within `tornWindowBytes` of the end
 *   (the most a crash can leave unsynced), the disk wrote some sectors of the last writes and
 *   not others. It is a torn write, and the frames after it were never acknowledged as
 *   durable, because a sync covers everything written before it.
 *
 * A torn tail is cut and kept in `<segment>.broken`; corruption stops the open with an
 * EdgeflowError of kind "corrupt" naming the segment file and byte offset, unless `repair` is
 * set, in which case the log is cut there, later segments are moved aside, and the report says
 * how many verified records were dropped.
 */
import * as path from "node:path";
import { assert } from "../lib/index.ts";
import type { WalConfig } from "./options.ts";
import { SEGMENT_BYTES_LIMIT } from "./options.ts";
import { type FileLayer, joinPath } from "./file-layer.ts";
import { SEGMENT_HEADER_BYTES, decodeSegmentHeader, parseSegmentName, viewOf } from "./format.ts";
import { countValidFrames, decodeFrameAt, findValidFrameAfter, hasZeroSector, newFrameOut } from "./decoder.ts";
import { readCheckpoint, removeCheckpointLeftover, writeCheckpoint } from "./checkpoint.ts";
import { corruptError } from "./errors.ts";
import { cutSegment, moveAside } from "./repair.ts";
import { type Segment, createSegmentFile } from "./segments.ts";

export interface TornTail {
  segment: string;
  offset: number;
  reason: string;
  bytesCut: number;
  /** Where the cut bytes were kept. */
  brokenFile: string;
  /** Verified frames found in the cut bytes (nonzero only for a sector-torn write). */
  recordsDropped: number;
}

export interface RepairAction {
  segment: string;
  offset: number;
  reason: string;
  bytesCut: number;
  brokenFiles: string[];
  /** Verified records dropped: in the cut bytes, in later segments, or missing before the first segment. */
  recordsDropped: number;
}

export interface RecoveryReport {
  dir: string;
  checkpointSeq: number;
  /** The oldest record kept on disk (it may be at or below the checkpoint); 0 for none. */
  firstSeq: number;
  /** The last record recovered; 0 for none. */
  lastSeq: number;
  segmentCount: number;
  /** Records read and verified. */
  recordCount: number;
  bytesScanned: number;
  durationMs: number;
  /** Segments wholly at or below the checkpoint, deleted at open (a crash had left them). */
  segmentsDeleted: string[];
  tornTail: TornTail | undefined;
  repairs: RepairAction[];
  /** Set when recovery had to start a segment (empty folder, or the log ended below the checkpoint). */
  createdSegment: string | undefined;
}

interface RecoveredLog {
  segments: Segment[];
  activeFd: number;
  checkpointSeq: number;
  report: RecoveryReport;
}

interface Damage {
  offset: number;
  reason: string;
  validAfter: boolean;
  zeroSector: boolean;
}

interface SegmentScan {
  lastSeq: number;
  recordCount: number;
  damage: Damage | undefined;
}

interface Entry {
  name: string;
  path: string;
  seq: number;
}

export function recover(cfg: WalConfig): RecoveredLog {
  const started = cfg.clock.nowMs();
  const { fs, dir } = cfg;
  if (!fs.exists(dir)) {
    fs.mkdirp(dir);
    // The folder's own entry must be durable too, or a power cut could lose the whole log.
    fs.fsyncDir(path.dirname(path.resolve(dir)));
  }
  removeCheckpointLeftover(fs, dir);
  const report: RecoveryReport = {
    dir, checkpointSeq: readCheckpoint(fs, dir), firstSeq: 0, lastSeq: 0, segmentCount: 0, recordCount: 0,
    bytesScanned: 0, durationMs: 0, segmentsDeleted: [], tornTail: undefined, repairs: [], createdSegment: undefined,
  };
  const entries = dropBelowCheckpoint(fs, dir, listSegments(fs, dir), report);
  checkStartGap(cfg, entries, report);
  const { segments, highestSeq } = scanSegments(cfg, entries, report);
  const { list, activeFd } = ensureActive(cfg, segments, Math.max(highestSeq, report.checkpointSeq), report);
  report.segmentCount = list.length;
  report.firstSeq = list[0]!.lastSeq >= list[0]!.firstSeq ? list[0]!.firstSeq : 0;
  report.lastSeq = list[list.length - 1]!.lastSeq;
  report.durationMs = cfg.clock.nowMs() - started;
  logReport(cfg, report);
  return { segments: list, activeFd, checkpointSeq: report.checkpointSeq, report };
}

function listSegments(fs: FileLayer, dir: string): Entry[] {
  const entries: Entry[] = [];
  for (const name of fs.readdir(dir)) {
    const seq = parseSegmentName(name);
    if (seq !== undefined) entries.push({ name, path: joinPath(dir, name), seq });
  }
  return entries.sort((a, b) => a.seq - b.seq);
}

/**
 * A segment whose successor starts at or below checkpoint + 1 holds only committed records: a
 * crash between the checkpoint and the deletes left it. Delete it now, without reading it.
 */
function dropBelowCheckpoint(fs: FileLayer, dir: string, entries: Entry[], report: RecoveryReport): Entry[] {
  let drop = 0;
  while (drop + 1 < entries.length && entries[drop + 1]!.seq <= report.checkpointSeq + 1) drop++;
  for (const e of entries.slice(0, drop)) {
    fs.unlink(e.path);
    report.segmentsDeleted.push(e.name);
  }
  if (drop > 0) fs.fsyncDir(dir);
  return entries.slice(drop);
}

/** Records between the checkpoint and the first segment cannot be missing unless files were lost. */
function checkStartGap(cfg: WalConfig, entries: Entry[], report: RecoveryReport): void {
  const first = entries[0];
  const cp = report.checkpointSeq;
  if (!first || first.seq <= cp + 1) return;
  const reason = `records ${cp + 1} to ${first.seq - 1} are missing (checkpoint at ${cp}, first segment starts at ${first.seq})`;
  if (!cfg.repair) throw corruptionError(first, 0, reason);
  // Nothing can bring the records back; moving the checkpoint up lets the sink go on.
  writeCheckpoint(cfg.fs, cfg.dir, first.seq - 1);
  report.checkpointSeq = first.seq - 1;
  report.repairs.push({ segment: first.name, offset: 0, reason, bytesCut: 0, brokenFiles: [], recordsDropped: first.seq - 1 - cp });
}

function corruptionError(e: Entry, offset: number, reason: string) {
  return corruptError(
    `write-ahead log segment ${e.path}: ${reason} at byte offset ${offset}; ` +
      `open with repair: true to cut the log there (dropped records are reported and kept aside)`,
    { segment: e.name, file: e.path, offset, reason },
  );
}

function scanSegments(cfg: WalConfig, entries: Entry[], report: RecoveryReport): { segments: Segment[]; highestSeq: number } {
  const segments: Segment[] = [];
  let highestSeq = 0;
  let prevLast: number | undefined;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    const image = readSegmentImage(cfg.fs, e);
    const scan = scanImage(image, e.seq, prevLast === undefined ? undefined : prevLast + 1, cfg.recordBytesMax);
    report.bytesScanned += image.length;
    report.recordCount += scan.recordCount;
    highestSeq = Math.max(highestSeq, e.seq - 1, scan.lastSeq);
    const d = scan.damage;
    if (!d) {
      segments.push({ name: e.name, path: e.path, firstSeq: e.seq, lastSeq: scan.lastSeq, bytes: image.length });
      prevLast = scan.lastSeq;
      continue;
    }
    const isLast = i === entries.length - 1;
    const torn = isLast && (!d.validAfter || (d.zeroSector && image.length - d.offset <= cfg.tornWindowBytes));
    if (!torn && !cfg.repair) throw corruptionError(e, d.offset, d.reason);
    const kept = torn ? cutTornTail(cfg, e, image, scan, report) : repairAt(cfg, e, image, scan, entries.slice(i + 1), report);
    if (kept) segments.push(kept);
    break;
  }
  return { segments, highestSeq };
}

function readSegmentImage(fs: FileLayer, e: Entry): Uint8Array {
  const fd = fs.open(e.path, "read");
  try {
    const size = fs.size(fd);
    if (size > SEGMENT_BYTES_LIMIT) throw corruptionError(e, SEGMENT_BYTES_LIMIT, `segment file is ${size} bytes, over the ${SEGMENT_BYTES_LIMIT}-byte limit`);
    // One buffer per segment, read whole: recovery memory is bounded by the largest segment.
    const image = new Uint8Array(size);
    const n = fs.read(fd, image, 0);
    assert(n === size, `read ${n} of ${size} bytes of ${e.path}`);
    return image;
  } finally {
    fs.close(fd);
  }
}

/** Verifies one segment image: header, then frames with consecutive sequence numbers. */
function scanImage(image: Uint8Array, nameSeq: number, expectedFirstSeq: number | undefined, recordBytesMax: number): SegmentScan {
  const view = viewOf(image);
  const out = newFrameOut();
  const header = decodeSegmentHeader(image);
  let headerProblem: string | undefined;
  if (!header.ok) headerProblem = header.reason;
  else if (header.firstSeq !== nameSeq) headerProblem = `header says the segment starts at ${header.firstSeq}, its name says ${nameSeq}`;
  else if (expectedFirstSeq !== undefined && nameSeq !== expectedFirstSeq) {
    headerProblem = `segment starts at ${nameSeq} but the previous segment ends at ${expectedFirstSeq - 1}`;
  }
  if (headerProblem !== undefined) {
    const validAfter = findValidFrameAfter(image, view, SEGMENT_HEADER_BYTES, image.length, nameSeq, recordBytesMax, out) >= 0;
    return { lastSeq: nameSeq - 1, recordCount: 0, damage: { offset: 0, reason: headerProblem, validAfter, zeroSector: false } };
  }
  let pos = SEGMENT_HEADER_BYTES;
  let seq = nameSeq;
  let count = 0;
  for (;;) {
    const status = decodeFrameAt(image, view, pos, image.length, recordBytesMax, out);
    if (status === "end") return { lastSeq: seq - 1, recordCount: count, damage: undefined };
    if (status === "ok" && out.seq === seq) {
      pos = out.frameEnd;
      seq++;
      count++;
      continue;
    }
    const reason = status === "ok" ? `sequence number ${out.seq} where ${seq} was expected` : frameProblem(status);
    const validAfter = findValidFrameAfter(image, view, pos, image.length, seq, recordBytesMax, out) >= 0;
    const zeroSector = status !== "ok" && hasZeroSector(image, view, pos, image.length, recordBytesMax);
    return { lastSeq: seq - 1, recordCount: count, damage: { offset: pos, reason, validAfter, zeroSector } };
  }
}

function frameProblem(status: "incomplete" | "bad_length" | "bad_crc"): string {
  if (status === "incomplete") return "incomplete record";
  if (status === "bad_length") return "record length over the limit";
  return "record checksum mismatch";
}

/** Cuts the last segment at a torn spot; returns the segment if anything of it is kept. */
function cutTornTail(cfg: WalConfig, e: Entry, image: Uint8Array, scan: SegmentScan, report: RecoveryReport): Segment | undefined {
  const d = scan.damage!;
  const broken = d.offset === 0 ? moveAside(cfg.fs, cfg.dir, [e.name])[0]! : cutSegment(cfg.fs, cfg.dir, e.name, image, d.offset);
  const recordsDropped = countValidFrames(image, viewOf(image), Math.max(d.offset, SEGMENT_HEADER_BYTES), image.length, scan.lastSeq + 1, cfg.recordBytesMax);
  report.tornTail = { segment: e.name, offset: d.offset, reason: d.reason, bytesCut: image.length - d.offset, brokenFile: broken, recordsDropped };
  return d.offset === 0 ? undefined : { name: e.name, path: e.path, firstSeq: e.seq, lastSeq: scan.lastSeq, bytes: d.offset };
}

/** Cuts the log at corruption (repair mode): this segment at the spot, later ones moved aside. */
function repairAt(cfg: WalConfig, e: Entry, image: Uint8Array, scan: SegmentScan, later: Entry[], report: RecoveryReport): Segment | undefined {
  const d = scan.damage!;
  const brokenFiles = [d.offset === 0 ? moveAside(cfg.fs, cfg.dir, [e.name])[0]! : cutSegment(cfg.fs, cfg.dir, e.name, image, d.offset)];
  let recordsDropped = countValidFrames(image, viewOf(image), Math.max(d.offset, SEGMENT_HEADER_BYTES), image.length, scan.lastSeq + 1, cfg.recordBytesMax);
  for (const l of later) {
    const img = readSegmentImage(cfg.fs, l);
    recordsDropped += countValidFrames(img, viewOf(img), SEGMENT_HEADER_BYTES, img.length, l.seq, cfg.recordBytesMax);
  }
  brokenFiles.push(...moveAside(cfg.fs, cfg.dir, later.map((l) => l.name)));
  report.repairs.push({ segment: e.name, offset: d.offset, reason: d.reason, bytesCut: image.length - d.offset, brokenFiles, recordsDropped });
  return d.offset === 0 ? undefined : { name: e.name, path: e.path, firstSeq: e.seq, lastSeq: scan.lastSeq, bytes: d.offset };
}

/**
 * Opens the last segment for appending, or starts one: when none is left, or when the log ends
 * below the checkpoint (the sink committed records a power cut then lost; sequence numbers at
 * or below the checkpoint must never be reused, or the sink would skip the new records).
 */
function ensureActive(cfg: WalConfig, segments: Segment[], highestSeq: number, report: RecoveryReport): { list: Segment[]; activeFd: number } {
  const last = segments[segments.length - 1];
  if (last && last.lastSeq >= report.checkpointSeq) {
    const fd = cfg.fs.open(last.path, "readwrite");
    // After a kill -9 the tail may still be only in the page cache; syncing it here makes
    // everything recovered durable, which is what the group commit starts from.
    try {
      cfg.fs.fdatasync(fd);
    } catch (err) {
      cfg.fs.close(fd);
      throw err;
    }
    return { list: segments, activeFd: fd };
  }
  const { segment, fd } = createSegmentFile(cfg.fs, cfg.dir, Math.max(highestSeq, report.checkpointSeq) + 1);
  report.createdSegment = segment.name;
  // Every older segment now lies wholly at or below the checkpoint.
  for (const s of segments) {
    cfg.fs.unlink(s.path);
    report.segmentsDeleted.push(s.name);
  }
  if (segments.length > 0) cfg.fs.fsyncDir(cfg.dir);
  return { list: [segment], activeFd: fd };
}

function logReport(cfg: WalConfig, report: RecoveryReport): void {
  const log = cfg.logger;
  if (!log) return;
  if (report.tornTail) log.warn({ wal: report.tornTail }, "wal: torn tail cut at recovery (bytes kept aside)");
  for (const r of report.repairs) log.error({ wal: r }, "wal: repair cut the log at corruption; records were dropped");
  log.info({ wal: { ...report, tornTail: undefined, repairs: report.repairs.length } }, "wal: recovered");
}
