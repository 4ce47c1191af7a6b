/**
 * Encodes records into frames in a caller-owned buffer (the group commit's write buffer), so an
 * append costs one copy of its payloads and no allocation per record.
 *
 * A frame is: crc32c u32 | payloadBytes u32 | seq u64 | payload | zero padding to 8 bytes.
 * The CRC covers the length field, the sequence number and the payload (not the padding), so a
 * frame copied from elsewhere, or one whose length field was hit, fails verification. The CRC
 * comes first so that what it covers is one contiguous range: one CRC call per record.
 */
import { assert } from "../lib/index.ts";
import { crc32cUpdate } from "./crc32c.ts";
import { FRAME_HEADER_BYTES, frameBytes } from "./format.ts";

/** Bytes the frames of `records` take on disk. */
export function encodedBytes(records: readonly Uint8Array[]): number {
  let total = 0;
  for (const r of records) total += frameBytes(r.length);
  return total;
}

/**
 * Writes the frames of `records`, numbered from `firstSeq`, into `out` at `offset` (which must
 * be 8-byte aligned) and returns the offset after the last frame. `view` is a DataView over the
 * whole of `out`, passed in so it is built once per buffer, not once per call.
 */
export function encodeFrames(
  records: readonly Uint8Array[],
  firstSeq: number,
  out: Uint8Array,
  view: DataView,
  offset: number,
): number {
  assert((offset & 7) === 0, `frame offset ${offset} is not 8-byte aligned`);
  assert(view.byteLength === out.byteLength && view.byteOffset === out.byteOffset, "view must cover out");
  // Checked once per call, so the loop can write sequence numbers without a check per record.
  assert(Number.isSafeInteger(firstSeq + records.length) && firstSeq >= 1, `sequence numbers from ${firstSeq} out of range`);
  let pos = offset;
  let seq = firstSeq;
  for (const payload of records) {
    const size = frameBytes(payload.length);
    // Not assert(cond, `...`): its message would be a string built per record, checked or not.
    if (pos + size > out.length) assert(false, `frame of ${size} bytes overflows the write buffer at ${pos}`);
    const payloadEnd = pos + FRAME_HEADER_BYTES + payload.length;
    view.setUint32(pos + 4, payload.length, true);
    view.setUint32(pos + 8, seq >>> 0, true);
    view.setUint32(pos + 12, Math.floor(seq / 0x1_0000_0000), true);
    out.set(payload, pos + FRAME_HEADER_BYTES);
    // Padding is zeroed explicitly: the buffer is reused, and stale bytes there would make the
    // file depend on history, which the byte-exact tests would rightly flag.
    if (payloadEnd < pos + size) out.fill(0, payloadEnd, pos + size);
    view.setUint32(pos, crc32cUpdate(0, out, pos + 4, payloadEnd), true);
    pos += size;
    seq++;
  }
  return pos;
}
