import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { EdgeflowError } from "../../lib/index.ts";
import { compareBytes, deleteRank, edgeOpRank, orderKey, orderKeyOf, rankOf } from "./order-key.ts";

const seed = process.env.SEED !== undefined ? Number(process.env.SEED) : Math.floor(Math.random() * 2 ** 31);

function compareTuples(a: [number, number, string], b: [number, number, string]): number {
  return Math.sign(a[0] - b[0]) || Math.sign(a[1] - b[1]) || Math.sign(Buffer.compare(Buffer.from(a[2]), Buffer.from(b[2])));
}

describe("graph: order key", () => {
  test("graph: order key: byte order of keys is (timestamp, rank, id) order, for any values", () => {
    console.log(`order key: SEED=${seed}`);
    const tuple = fc.tuple(fc.oneof(fc.integer({ min: 0, max: 300 }), fc.maxSafeNat()), fc.integer({ min: 0, max: 3 }), fc.string({ unit: "grapheme", maxLength: 6 }));
    fc.assert(
      fc.property(tuple, tuple, (a, b) => Math.sign(compareBytes(orderKeyOf(...a), orderKeyOf(...b))) === compareTuples(a, b)),
      { seed, numRuns: 2000 },
    );
  });

  test("graph: order key: at equal timestamps insert < update < increment < delete = deleteAll", () => {
    const ranks = (["insertBulk", "insert", "update", "increment", "delete", "deleteAll"] as const).map((op) => edgeOpRank[op]);
    expect(ranks).toEqual([0, 0, 1, 2, 3, 3]);
    const key = (op: "insert" | "delete", id: string) => orderKey({ kind: "edge", op, id, ts: 5, service: "s", label: "l", from: 1, to: 2, props: {} });
    expect(compareBytes(key("insert", "zzz"), key("delete", "aaa"))).toBe(-1);
  });

  test("graph: order key: a timestamp the key cannot hold is refused as invalid", () => {
    for (const ts of [-1, 1.5, Number.MAX_SAFE_INTEGER + 1]) {
      expect(() => orderKeyOf(ts, 0, "x")).toThrow(EdgeflowError);
    }
  });

  test("graph: order key: the rank is read back from the key, at its position", () => {
    for (const op of ["insert", "update", "increment", "delete"] as const) {
      const okey = orderKey({ kind: "edge", op, id: "1234abcd", ts: 2 ** 40 + 7, service: "s", label: "l", from: 1, to: 2, props: {} });
      expect(rankOf(okey)).toBe(edgeOpRank[op]);
      expect(okey.charAt(16)).toBe(String(edgeOpRank[op]));
    }
    expect(rankOf(orderKeyOf(1, deleteRank, "x"))).toBe(deleteRank);
  });
});
