import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { depthExceeds } from "./depth.ts";

const seed = process.env.SEED === undefined ? undefined : Number(process.env.SEED);
const runs = { numRuns: 500, ...(seed === undefined ? {} : { seed }) };

/** The depth of a parsed JSON value, by recursion (fine for the small values generated here). */
function depthOf(value: unknown): number {
  if (Array.isArray(value)) return 1 + Math.max(0, ...value.map(depthOf));
  if (typeof value === "object" && value !== null) return 1 + Math.max(0, ...Object.values(value).map(depthOf));
  return 0;
}

const check = (text: string, depthMax: number) => depthExceeds(text, 0, text.length, depthMax);

describe("ingest: depth", () => {
  test("ingest: depth: exactly at the limit passes, one deeper does not", () => {
    expect(check("[[[]]]", 3)).toBe(false);
    expect(check("[[[[]]]]", 3)).toBe(true);
    expect(check('{"a":{"b":[1]}}', 3)).toBe(false);
    expect(check('{"a":{"b":[[1]]}}', 3)).toBe(true);
  });

  test("ingest: depth: brackets inside strings, escaped quotes included, do not count", () => {
    expect(check(`{"a":"${"[".repeat(100)}"}`, 2)).toBe(false);
    expect(check(`{"a":"\\"${"{".repeat(100)}"}`, 2)).toBe(false);
    expect(check(`{"a":"\\\\","b":${"[".repeat(5)}${"]".repeat(5)}}`, 3)).toBe(true);
  });

  test("ingest: depth: siblings do not add up", () => {
    expect(check(`[${"[],".repeat(1000)}[]]`, 2)).toBe(false);
    expect(check(`[${"{},".repeat(1000)}[[]]]`, 2)).toBe(true);
  });

  test("ingest: depth: a million levels is one linear pass, no stack", () => {
    const deep = `${"[".repeat(1_000_000)}${"]".repeat(1_000_000)}`;
    expect(check(deep, 32)).toBe(true);
    expect(check(deep, 1_000_000)).toBe(false);
  });

  test("ingest: depth: a range of a longer string is scanned alone", () => {
    const text = `[[[[[[ {"a":[1]} ]]]]]]`;
    const start = text.indexOf("{");
    const end = text.indexOf("}") + 1;
    expect(depthExceeds(text, start, end, 2)).toBe(false);
    expect(depthExceeds(text, start, end, 1)).toBe(true);
  });

  test("ingest: depth: agrees with the depth of the parsed value, for any JSON", () => {
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 8 }), fc.integer({ min: 0, max: 10 }), (value, depthMax) => {
      const text = JSON.stringify(value);
      expect(check(text, depthMax)).toBe(depthOf(value) > depthMax);
    }), runs);
  });
});
