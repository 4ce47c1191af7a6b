/**
 * The byte layout of segment headers, record frames and the checkpoint file, in one place so
 * the encoder, the decoder and the recovery scan cannot disagree. The prose description is in
 * `index.ts`; this file is the arithmetic.
 *
 * All integers are little-endian. Sequence numbers are u64 on disk and JavaScript numbers in
 * memory: they are asserted to stay below 2^53, which at a million records a second lasts
 * 285 years, and a number costs no allocation where a bigint would cost one per record.
 */
import { assert } from "../lib/index.ts";
import { crc32c } from "./crc32c.ts";

/** "EFWL" read as a little-endian u32. */
const SEGMENT_MAGIC = 0x4c574645;
/** "EFCP" read as a little-endian u32. */
const CHECKPOINT_MAGIC = 0x50434645;
const FORMAT_VERSION = 1;

export const SEGMENT_HEADER_BYTES = 32;
/** crc32c u32, payloadBytes u32, seq u64; the payload follows, then zero padding to 8 bytes. */
export const FRAME_HEADER_BYTES = 16;
/** Frames start on 8-byte boundaries, so the resync scan after a bad frame tries 1 offset in 8. */
export const FRAME_ALIGN_BYTES = 8;
/** The unit a disk writes atomically (at best); torn writes show up as zeroed sectors. */
export const SECTOR_BYTES = 512;
export const CHECKPOINT_BYTES = 20;

const SEGMENT_SUFFIX = ".wal";
export const BROKEN_SUFFIX = ".broken";
export const CHECKPOINT_NAME = "checkpoint";
export const CHECKPOINT_TMP_NAME = "checkpoint.tmp";

const TWO_POW_32 = 0x1_0000_0000;

/** Bytes a record of `payloadBytes` takes on disk, header and padding included. */
export function frameBytes(payloadBytes: number): number {
  return FRAME_HEADER_BYTES + ((payloadBytes + FRAME_ALIGN_BYTES - 1) & ~(FRAME_ALIGN_BYTES - 1));
}

function writeU64(view: DataView, offset: number, value: number): void {
  assert(Number.isSafeInteger(value) && value >= 0, `u64 value ${value} is not a safe non-negative integer`);
  view.setUint32(offset, value >>> 0, true);
  view.setUint32(offset + 4, Math.floor(value / TWO_POW_32), true);
}

/** Reads a u64; values at or above 2^53 come back as -1, which no caller accepts. */
export function readU64(view: DataView, offset: number): number {
  const lo = view.getUint32(offset, true);
  const hi = view.getUint32(offset + 4, true);
  if (hi >= 0x20_0000) return -1;
  return hi * TWO_POW_32 + lo;
}

export function viewOf(buf: Uint8Array): DataView {
  return new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
}

/** Segment files are named by their first sequence number, 16 hex digits, so names sort. */
export function segmentName(firstSeq: number): string {
  assert(Number.isSafeInteger(firstSeq) && firstSeq >= 1, `bad first sequence number ${firstSeq}`);
  return firstSeq.toString(16).padStart(16, "0") + SEGMENT_SUFFIX;
}

const SEGMENT_NAME_RE = /^([0-9a-f]{16})\.wal$/;

/** The first sequence number a segment file name claims, or undefined for other files. */
export function parseSegmentName(name: string): number | undefined {
  const m = SEGMENT_NAME_RE.exec(name);
  if (!m || m[1] === undefined) return undefined;
  const seq = Number.parseInt(m[1], 16);
  return Number.isSafeInteger(seq) && seq >= 1 ? seq : undefined;
}

export function encodeSegmentHeader(firstSeq: number): Uint8Array {
  const buf = new Uint8Array(SEGMENT_HEADER_BYTES);
  const view = viewOf(buf);
  view.setUint32(0, SEGMENT_MAGIC, true);
  view.setUint16(4, FORMAT_VERSION, true);
  view.setUint16(6, SEGMENT_HEADER_BYTES, true);
  writeU64(view, 8, firstSeq);
  // Bytes 16..28 are reserved and zero.
  view.setUint32(28, crc32c(buf, 0, 28), true);
  return buf;
}

export type HeaderCheck = { ok: true; firstSeq: number } | { ok: false; reason: string };

export function decodeSegmentHeader(buf: Uint8Array, offset = 0): HeaderCheck {
  if (buf.length - offset < SEGMENT_HEADER_BYTES) return { ok: false, reason: "segment header incomplete" };
  const view = new DataView(buf.buffer, buf.byteOffset + offset, SEGMENT_HEADER_BYTES);
  if (view.getUint32(28, true) !== crc32c(buf, offset, offset + 28)) {
    return { ok: false, reason: "segment header checksum mismatch" };
  }
  if (view.getUint32(0, true) !== SEGMENT_MAGIC) return { ok: false, reason: "not a segment file (bad magic)" };
  const version = view.getUint16(4, true);
  if (version !== FORMAT_VERSION) return { ok: false, reason: `unsupported segment version ${version}` };
  const firstSeq = readU64(view, 8);
  if (firstSeq < 1) return { ok: false, reason: "segment header has an invalid first sequence number" };
  return { ok: true, firstSeq };
}

export function encodeCheckpoint(seq: number): Uint8Array {
  const buf = new Uint8Array(CHECKPOINT_BYTES);
  const view = viewOf(buf);
  view.setUint32(0, CHECKPOINT_MAGIC, true);
  view.setUint16(4, FORMAT_VERSION, true);
  writeU64(view, 8, seq);
  view.setUint32(16, crc32c(buf, 0, 16), true);
  return buf;
}

export type CheckpointCheck = { ok: true; seq: number } | { ok: false; reason: string };

export function decodeCheckpoint(buf: Uint8Array): CheckpointCheck {
  if (buf.length !== CHECKPOINT_BYTES) return { ok: false, reason: `checkpoint file has ${buf.length} bytes, expected ${CHECKPOINT_BYTES}` };
  const view = viewOf(buf);
  if (view.getUint32(16, true) !== crc32c(buf, 0, 16)) return { ok: false, reason: "checkpoint checksum mismatch" };
  if (view.getUint32(0, true) !== CHECKPOINT_MAGIC) return { ok: false, reason: "not a checkpoint file (bad magic)" };
  const version = view.getUint16(4, true);
  if (version !== FORMAT_VERSION) return { ok: false, reason: `unsupported checkpoint version ${version}` };
  const seq = readU64(view, 8);
  if (seq < 0) return { ok: false, reason: "checkpoint sequence number out of range" };
  return { ok: true, seq };
}
