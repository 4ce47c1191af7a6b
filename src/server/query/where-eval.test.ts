import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import type { PropValue } from "../../lib/index.ts";
import { s2Test, viewed, whereEdge } from "./test-fixtures.ts";
import { evalWhere } from "./where-eval.ts";
import { parseWhere } from "./where-parse.ts";
import { quoteWhereString } from "./where-print.ts";
import type { WhereEdge } from "./where-ast.ts";

const seed = process.env.SEED !== undefined ? Number(process.env.SEED) : Date.now() % 2 ** 31;
console.log(`where eval equivalences: SEED=${seed}`);

const small = fc.integer({ min: -3, max: 3 });
const edgeArb: fc.Arbitrary<WhereEdge> = fc.record({
  from: small, to: small, ts: small, weight: small, time: small, name: fc.constantFrom("", "a", "b", "ab", "a'b"), hidden: fc.boolean(),
}).map((r) => whereEdge(r.from, r.to, r.ts, { weight: r.weight, time: r.time, name: r.name, is_hidden: r.hidden }));

const numericField = fc.constantFrom("_from", "_to", "_timestamp", "weight", "time");
const text = (v: PropValue) => (typeof v === "string" ? quoteWhereString(v) : String(v));
const holds = (where: string, edge: WhereEdge) => evalWhere(parseWhere(where, s2Test), edge);

describe("query: where eval: equivalences the SQL translation can rely on (property)", () => {
  test("query: where eval: != is not =, between is >= and <=, in is or-ed =, not in is not in", () => {
    fc.assert(fc.property(edgeArb, numericField, small, small, (edge, f, a, b) => {
      expect(holds(`${f} != ${a}`, edge)).toBe(!holds(`${f} = ${a}`, edge));
      expect(holds(`${f} between ${a} and ${b}`, edge)).toBe(holds(`${f} >= ${a} and ${f} <= ${b}`, edge));
      expect(holds(`${f} in (${a}, ${b})`, edge)).toBe(holds(`${f} = ${a} or ${f} = ${b}`, edge));
      expect(holds(`${f} not in (${a}, ${b})`, edge)).toBe(!holds(`${f} in (${a}, ${b})`, edge));
      expect(holds(`${f} >= ${a}`, edge)).toBe(holds(`${f} > ${a} or ${f} = ${a}`, edge));
      expect(holds(`not ${f} < ${a}`, edge)).toBe(holds(`${f} >= ${a}`, edge));
    }), { seed, numRuns: 300 });
  });

  test("query: where eval: string comparison is by code units and contains is a substring test", () => {
    fc.assert(fc.property(edgeArb, fc.constantFrom("", "a", "b", "ab", "a'b", "B"), (edge, v) => {
      const name = edge.props.name as string;
      expect(holds(`name < ${text(v)}`, edge)).toBe(name < v);
      expect(holds(`name contains ${text(v)}`, edge)).toBe(name.includes(v));
    }), { seed, numRuns: 200 });
  });
});

describe("query: where eval: values", () => {
  test("query: where eval: longs beyond 2^53 compare exactly", () => {
    const edge = whereEdge(1, "x", 0, { big: "9007199254740993" }, viewed);
    expect(evalWhere(parseWhere("big > 9007199254740992", viewed), edge)).toBe(true);
    expect(evalWhere(parseWhere("big = 9007199254740993", viewed), edge)).toBe(true);
    expect(evalWhere(parseWhere("big < 9007199254740993.5", viewed), edge)).toBe(true);
  });

  test("query: where eval: refs of different type families are never equal", () => {
    const edge = whereEdge(1, 2, 0, { weight: 1, name: "1", is_hidden: true });
    expect(evalWhere(parseWhere("weight = name", s2Test), edge)).toBe(false);
    expect(evalWhere(parseWhere("weight != name", s2Test), edge)).toBe(true);
    expect(evalWhere(parseWhere("weight < name", s2Test), edge)).toBe(false);
  });

  test("query: where eval: a missing parent is a bug, not a false", () => {
    expect(() => evalWhere(parseWhere("_parent.weight = 1", s2Test), whereEdge(1, 2, 0, {}), [])).toThrow("assertion failed");
  });
});
