/**
 * Decodes frames from bytes in memory, and tells a torn write from corruption.
 *
 * Everything here works on a byte range whose first byte is at file offset 0 of a segment
 * (recovery reads a whole segment) or on a window of it (the cursor), and allocates nothing:
 * results go into a caller-owned `FrameOut`.
 *
 * Torn write or corruption? A crash can leave the end of the last segment in three shapes: cut
 * in the middle of a frame, zero-filled (the file grew but its data blocks were never written),
 * or with some sectors of the last write on disk and others not. Corruption is a frame that
 * fails verification while verified frames with later sequence numbers follow it. The scan
 * therefore asks, at the first bad frame, whether any valid later frame exists after it; see
 * `recovery.ts` for how the answer, the segment's position and etcd's zero-sector test combine.
 */
import { crc32cUpdate } from "./crc32c.ts";
import { FRAME_ALIGN_BYTES, FRAME_HEADER_BYTES, SECTOR_BYTES, frameBytes, readU64 } from "./format.ts";

export type FrameStatus =
  | "ok" // a verified frame; `out` describes it
  | "end" // the range ends exactly here
  | "incomplete" // the range ends inside this frame
  | "bad_length" // the length field is over the record limit
  | "bad_crc"; // the checksum does not match

/** Where a decoded frame lies; reused across calls so decoding allocates nothing. */
export interface FrameOut {
  seq: number;
  payloadStart: number;
  payloadBytes: number;
  frameEnd: number;
}

export function newFrameOut(): FrameOut {
  return { seq: 0, payloadStart: 0, payloadBytes: 0, frameEnd: 0 };
}

/** Decodes the frame at `pos` in `buf[.., end)`. `view` is a DataView over all of `buf`. */
export function decodeFrameAt(
  buf: Uint8Array,
  view: DataView,
  pos: number,
  end: number,
  recordBytesMax: number,
  out: FrameOut,
): FrameStatus {
  if (pos === end) return "end";
  if (end - pos < FRAME_HEADER_BYTES) return "incomplete";
  const payloadBytes = view.getUint32(pos + 4, true);
  if (payloadBytes > recordBytesMax) return "bad_length";
  const frameEnd = pos + frameBytes(payloadBytes);
  if (frameEnd > end) return "incomplete";
  const payloadStart = pos + FRAME_HEADER_BYTES;
  if (crc32cUpdate(0, buf, pos + 4, payloadStart + payloadBytes) !== view.getUint32(pos, true)) return "bad_crc";
  out.seq = readU64(view, pos + 8);
  out.payloadStart = payloadStart;
  out.payloadBytes = payloadBytes;
  out.frameEnd = frameEnd;
  return "ok";
}

/**
 * etcd's torn-write test (`isTornEntry`), tightened: split the bad frame's bytes at the disk's
 * sector boundaries; if, for some piece, every byte from the piece's start to the end of its
 * sector (or of the data) is zero, the frame was most likely cut by a crash that wrote some
 * sectors and not others, rather than damaged after it was written.
 *
 * Why to the end of the sector and not only to the end of the frame, as etcd checks: a sector
 * that never reached the disk holds zeros from the first unwritten byte to its end, frames
 * after this one included, because the log only appends. Checking that whole run keeps a
 * small piece of a frame that is zero by nature (the high bytes of a sequence number at a
 * sector edge) from making any damage to that frame look torn.
 * `bufFileOffset` is the file offset of `buf[0]`, because sectors are aligned in the file.
 */
export function hasZeroSector(
  buf: Uint8Array,
  view: DataView,
  pos: number,
  end: number,
  recordBytesMax: number,
  bufFileOffset = 0,
): boolean {
  let frameEnd = Math.min(end, pos + FRAME_HEADER_BYTES);
  if (end - pos >= 8) {
    const payloadBytes = view.getUint32(pos + 4, true);
    if (payloadBytes <= recordBytesMax) frameEnd = Math.min(end, pos + FRAME_HEADER_BYTES + payloadBytes);
  }
  let chunkStart = pos;
  while (chunkStart < frameEnd) {
    const fileOffset = bufFileOffset + chunkStart;
    const sectorEnd = Math.min(end, fileOffset - (fileOffset % SECTOR_BYTES) + SECTOR_BYTES - bufFileOffset);
    let zero = true;
    for (let i = chunkStart; i < sectorEnd; i++) {
      if (buf[i] !== 0) {
        zero = false;
        break;
      }
    }
    if (zero) return true;
    chunkStart = sectorEnd;
  }
  return false;
}

/**
 * The offset of the first verified frame at or after `from` whose sequence number is at least
 * `minSeq`, or -1. Frames are 8-byte aligned, so only aligned offsets are tried; the cheap
 * checks (length in range, plausible sequence number) run before the checksum, so a scan over
 * garbage or zeros costs little more than reading it.
 */
export function findValidFrameAfter(
  buf: Uint8Array,
  view: DataView,
  from: number,
  end: number,
  minSeq: number,
  recordBytesMax: number,
  out: FrameOut,
): number {
  let pos = (from + FRAME_ALIGN_BYTES - 1) & ~(FRAME_ALIGN_BYTES - 1);
  for (; pos + FRAME_HEADER_BYTES <= end; pos += FRAME_ALIGN_BYTES) {
    const payloadBytes = view.getUint32(pos + 4, true);
    if (payloadBytes > recordBytesMax || pos + frameBytes(payloadBytes) > end) continue;
    const seq = readU64(view, pos + 8);
    // A record after `from` cannot be numbered beyond one per 16 bytes from the expected one.
    if (seq < minSeq || seq > minSeq + (end - from) / FRAME_HEADER_BYTES) continue;
    if (decodeFrameAt(buf, view, pos, end, recordBytesMax, out) === "ok") return pos;
  }
  return -1;
}

/** How many verified frames lie in `buf[from, end)`, resynchronising after damage. */
export function countValidFrames(
  buf: Uint8Array,
  view: DataView,
  from: number,
  end: number,
  minSeq: number,
  recordBytesMax: number,
): number {
  const out = newFrameOut();
  let count = 0;
  let pos = from;
  for (;;) {
    const found = findValidFrameAfter(buf, view, pos, end, minSeq, recordBytesMax, out);
    if (found < 0) return count;
    count++;
    minSeq = out.seq + 1;
    pos = out.frameEnd;
  }
}
