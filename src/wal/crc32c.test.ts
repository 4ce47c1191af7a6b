import { expect, test } from "bun:test";
import fc from "fast-check";
import { crc32c, crc32cReference, crc32cUpdate } from "./crc32c.ts";
import { testSeed } from "./test-util.ts";

const ascii = (s: string) => new TextEncoder().encode(s);

test("wal: crc32c: matches the known vectors (RFC 3720 and \"123456789\")", () => {
  expect(crc32c(ascii("123456789"))).toBe(0xe3069283);
  expect(crc32c(new Uint8Array(0))).toBe(0);
  expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
  expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
  expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i))).toBe(0x46dd794e);
  expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i))).toBe(0x113fdb5c);
  expect(crc32c(ascii("The quick brown fox jumps over the lazy dog"))).toBe(0x22620404);
});

test("wal: crc32c: the slicing-by-8 loop equals the bytewise reference, at any offset and length", () => {
  const seed = testSeed("crc32c-reference");
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(), fc.nat(), (bytes, a, b) => {
      const start = bytes.length === 0 ? 0 : a % (bytes.length + 1);
      const end = start + (bytes.length === 0 ? 0 : b % (bytes.length - start + 1));
      expect(crc32c(bytes, start, end)).toBe(crc32cReference(bytes.subarray(start, end)));
    }),
    { seed, numRuns: 500 },
  );
});

test("wal: crc32c: updating in pieces equals checksumming the whole", () => {
  const seed = testSeed("crc32c-chain");
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), fc.uint8Array({ maxLength: 200 }), (a, b) => {
      const whole = new Uint8Array(a.length + b.length);
      whole.set(a);
      whole.set(b, a.length);
      expect(crc32cUpdate(crc32c(a), b)).toBe(crc32c(whole));
    }),
    { seed, numRuns: 300 },
  );
});

test("wal: crc32c: a range outside the buffer is refused", () => {
  expect(() => crc32c(new Uint8Array(4), 2, 8)).toThrow(RangeError);
});
