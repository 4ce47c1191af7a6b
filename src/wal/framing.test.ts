import { expect, test } from "bun:test";
import fc from "fast-check";
import { encodeFrames, encodedBytes } from "./encoder.ts";
import { decodeFrameAt, findValidFrameAfter, hasZeroSector, newFrameOut } from "./decoder.ts";
import { decodeSegmentHeader, encodeSegmentHeader, frameBytes, parseSegmentName, segmentName, viewOf } from "./format.ts";
import { testSeed } from "./test-util.ts";

const LIMIT = 4096;

function encode(records: Uint8Array[], firstSeq: number): Uint8Array {
  const out = new Uint8Array(encodedBytes(records));
  const end = encodeFrames(records, firstSeq, out, viewOf(out), 0);
  expect(end).toBe(out.length);
  return out;
}

function decodeAll(buf: Uint8Array): { seq: number; payload: Uint8Array }[] {
  const view = viewOf(buf);
  const out = newFrameOut();
  const got: { seq: number; payload: Uint8Array }[] = [];
  let pos = 0;
  for (;;) {
    const status = decodeFrameAt(buf, view, pos, buf.length, LIMIT, out);
    if (status !== "ok") {
      expect(status).toBe("end");
      return got;
    }
    got.push({ seq: out.seq, payload: buf.slice(out.payloadStart, out.payloadStart + out.payloadBytes) });
    pos = out.frameEnd;
  }
}

test("wal: framing: any records round-trip through encode and decode with consecutive sequence numbers", () => {
  const seed = testSeed("framing-roundtrip");
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 20 }), fc.integer({ min: 1, max: 2 ** 53 - 1000 }), (records, firstSeq) => {
      const buf = encode(records, firstSeq);
      const got = decodeAll(buf);
      expect(got.map((g) => g.seq)).toEqual(records.map((_, i) => firstSeq + i));
      expect(got.map((g) => [...g.payload])).toEqual(records.map((r) => [...r]));
    }),
    { seed, numRuns: 300 },
  );
});

test("wal: framing: frames are 8-byte aligned and take 16 bytes plus the padded payload", () => {
  expect(frameBytes(0)).toBe(16);
  expect(frameBytes(1)).toBe(24);
  expect(frameBytes(8)).toBe(24);
  expect(frameBytes(9)).toBe(32);
  expect(encode([new Uint8Array(3), new Uint8Array(9)], 1).length).toBe(24 + 32);
});

test("wal: framing: any single bit flip in a frame's header or payload fails verification", () => {
  const seed = testSeed("framing-bitflip");
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 1, maxLength: 200 }), fc.nat(), (payload, at) => {
      const buf = encode([payload], 7);
      const bit = at % ((16 + payload.length) * 8);
      buf[bit >> 3]! ^= 1 << (bit & 7);
      expect(decodeFrameAt(buf, viewOf(buf), 0, buf.length, LIMIT, newFrameOut())).not.toBe("ok");
    }),
    { seed, numRuns: 500 },
  );
});

test("wal: framing: a frame cut anywhere is incomplete, and a length over the limit is refused", () => {
  const buf = encode([new Uint8Array(100).fill(7)], 1);
  for (let cut = 1; cut < buf.length; cut++) {
    expect(decodeFrameAt(buf, viewOf(buf), 0, cut, LIMIT, newFrameOut())).toBe("incomplete");
  }
  expect(decodeFrameAt(buf, viewOf(buf), 0, buf.length, 99, newFrameOut())).toBe("bad_length");
});

test("wal: framing: a zeroed sector inside a bad frame is recognised as a torn write", () => {
  const records = [new Uint8Array(1500).fill(9)];
  const buf = encode(records, 1);
  expect(hasZeroSector(buf, viewOf(buf), 0, buf.length, LIMIT)).toBe(false);
  buf.fill(0, 512, 1024);
  expect(hasZeroSector(buf, viewOf(buf), 0, buf.length, LIMIT)).toBe(true);
  // Sectors are aligned in the file: zeros at [88, 600) fill no whole sector at file offset 0, but fill [512, 1024) at 424.
  const shifted = encode(records, 1);
  shifted.fill(0, 88, 600);
  expect(hasZeroSector(shifted, viewOf(shifted), 0, shifted.length, LIMIT, 0)).toBe(false);
  expect(hasZeroSector(shifted, viewOf(shifted), 0, shifted.length, LIMIT, 424)).toBe(true);
});

test("wal: framing: resynchronisation finds the next valid frame after damage, and ignores stale ones", () => {
  const buf = encode([new Uint8Array(40).fill(1), new Uint8Array(40).fill(2), new Uint8Array(40).fill(3)], 10);
  buf[20]! ^= 0xff; // damage record 10's payload
  const out = newFrameOut();
  const view = viewOf(buf);
  expect(findValidFrameAfter(buf, view, 0, buf.length, 11, LIMIT, out)).toBe(frameBytes(40));
  expect(out.seq).toBe(11);
  // Asking only for records from 13 on: 11 and 12 are stale, so nothing valid follows.
  expect(findValidFrameAfter(buf, view, 0, buf.length, 13, LIMIT, out)).toBe(-1);
});

test("wal: framing: segment names sort in log order and headers verify their checksum", () => {
  expect(segmentName(1)).toBe("0000000000000001.wal");
  expect(segmentName(255)).toBe("00000000000000ff.wal");
  expect(parseSegmentName(segmentName(2 ** 40))).toBe(2 ** 40);
  expect(parseSegmentName("0000000000000001.wal.broken")).toBeUndefined();
  const header = encodeSegmentHeader(42);
  expect(decodeSegmentHeader(header)).toEqual({ ok: true, firstSeq: 42 });
  header[9]! ^= 1;
  expect(decodeSegmentHeader(header).ok).toBe(false);
  expect(decodeSegmentHeader(header.subarray(0, 10)).ok).toBe(false);
});

test("wal: framing: a frame that is zero by nature at a sector edge does not make damage look torn", () => {
  // Frame A at file offset 496 with 8 zero payload bytes in the next sector, frame B right after.
  const image = new Uint8Array(1024);
  const a = encode([new Uint8Array(8)], 5);
  const b = encode([new Uint8Array(40).fill(3)], 6);
  image.set(a, 496);
  image.set(b, 496 + a.length);
  image[500]! ^= 1; // a bit of A's checksum flips
  const view = viewOf(image);
  expect(decodeFrameAt(image, view, 496, image.length, LIMIT, newFrameOut())).toBe("bad_crc");
  // A's piece in sector [512, 1024) is all zeros, but the sector goes on with B: not torn.
  expect(hasZeroSector(image, view, 496, image.length, LIMIT)).toBe(false);
  // Had B never reached the disk, the rest of the sector would be zeros too: torn.
  image.fill(0, 496 + a.length);
  expect(hasZeroSector(image, view, 496, image.length, LIMIT)).toBe(true);
});
