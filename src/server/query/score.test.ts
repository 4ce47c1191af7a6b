import { describe, expect, test } from "bun:test";
import { normalizeScores, propagateScore, rankScore, timeDecayFactor } from "./score.ts";
import { fetched, whereEdge } from "./test-fixtures.ts";

describe("query: score", () => {
  const edge = whereEdge(1, 2, 1_000, { weight: 10, time: 3, name: "7.5", is_hidden: true });

  test("query: score: no scoring means a rank of 1", () => {
    expect(rankScore([], edge)).toBe(1);
  });

  test("query: score: scoring is the sum of weight times prop value", () => {
    expect(rankScore([{ prop: "weight", weight: 2 }, { prop: "time", weight: 0.5 }], edge)).toBe(21.5);
    expect(rankScore([{ prop: "_timestamp", weight: 0.001 }], edge)).toBe(1);
  });

  test("query: score: a numeric string counts its number, anything else counts 1, a missing prop 0", () => {
    expect(rankScore([{ prop: "name", weight: 2 }], edge)).toBe(15);
    expect(rankScore([{ prop: "is_hidden", weight: 3 }], edge)).toBe(3);
    expect(rankScore([{ prop: "nothing", weight: 3 }], edge)).toBe(0);
  });

  test("query: score: time decay is initial * (1 - rate) ^ ((now - t) / timeUnit)", () => {
    const decay = { initial: 2, decayRate: 0.5, timeUnit: 1_000, propName: "_timestamp" };
    expect(timeDecayFactor(decay, edge, 1_000)).toBe(2);
    expect(timeDecayFactor(decay, edge, 3_000)).toBe(0.5);
    expect(timeDecayFactor(null, edge, 3_000)).toBe(1);
  });

  test("query: score: S2Graph's default timeUnit of 86400 decays per 86.4 seconds of ms", () => {
    const decay = { initial: 1, decayRate: 0.1, timeUnit: 86_400, propName: "_timestamp" };
    expect(timeDecayFactor(decay, edge, 1_000 + 86_400)).toBeCloseTo(0.9, 12);
  });

  test("query: score: time decay reads an integral prop, else the edge's timestamp", () => {
    const decay = { initial: 1, decayRate: 0.5, timeUnit: 1, propName: "time" };
    expect(timeDecayFactor(decay, edge, 5)).toBe(0.25);
    expect(timeDecayFactor({ ...decay, propName: "name" }, edge, 1_002)).toBe(0.25);
  });

  test("query: score: propagation multiplies, adds, or divides with shrinkage", () => {
    expect(propagateScore("multiply", 500, 3, 2)).toBe(6);
    expect(propagateScore("plus", 500, 3, 2)).toBe(5);
    expect(propagateScore("divide", 8, 5, 2)).toBe(0.5);
    expect(propagateScore("divide", 2, 5, -2)).toBe(0);
  });

  test("query: score: normalize divides by the sum", () => {
    expect(normalizeScores([fetched({ from: 1, to: 2, score: 1 }), fetched({ from: 1, to: 3, score: 3 })]).map((e) => e.score)).toEqual([0.25, 0.75]);
  });
});
