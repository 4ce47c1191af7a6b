import { describe, expect, test } from "bun:test";
import { checkersFor } from "./checkers.ts";
import { decodeNdjson } from "./ndjson.ts";
import { prop, standardLookup, testLookup } from "./test-lookup.ts";
import type { DecodeResult } from "./types.ts";

const lookup = standardLookup();
const opts = { lookup, receivedAtMs: 0 };
const line = (over: Record<string, unknown>) => JSON.stringify({ timestamp: 10, from: 1, to: 2, label: "view", ...over });
const outcome = (result: DecodeResult) => result.rows.map((r) => (r.ok ? r.mutation : r.code));
const one = (over: Record<string, unknown>) => {
  const row = decodeNdjson(line(over), opts).rows[0];
  if (row === undefined) throw new Error("no row");
  return row;
};
const codeOf = (over: Record<string, unknown>) => {
  const row = one(over);
  return row.ok ? "ok" : row.code;
};
const propsOf = (over: Record<string, unknown>) => {
  const row = one(over);
  return row.ok && row.mutation.kind === "edge" && row.mutation.op !== "deleteAll" ? row.mutation.props : row;
};

describe("ingest: validation", () => {
  test("ingest: validation: an unknown label is unknown_label, with no service to blame", () => {
    expect(one({ label: "nope" })).toMatchObject({ ok: false, code: "unknown_label", service: undefined });
  });

  test("ingest: validation: any non-negative integer of ms is a timestamp; anything else is invalid_timestamp", () => {
    for (const ts of [0, 1, 2, 3, 1_700_000_000_000, Number.MAX_SAFE_INTEGER, "17"]) expect(codeOf({ timestamp: ts })).toBe("ok");
    for (const ts of [-1, 1.5, "1.5", "abc", "", true, null, [1], { t: 1 }, 2 ** 53, "-3", "1e3"]) expect(codeOf({ timestamp: ts })).toBe("invalid_timestamp");
  });

  test("ingest: validation: from and to are checked against the label's column types", () => {
    expect(codeOf({ from: "12", to: 13 })).toBe("ok");
    expect(codeOf({ from: "12x" })).toBe("invalid_id");
    expect(codeOf({ from: 1.5 })).toBe("invalid_id");
    expect(codeOf({ from: true })).toBe("invalid_id");
    expect(codeOf({ from: "9223372036854775808" })).toBe("invalid_id"); // over long's range
    expect(one({ from: "9223372036854775807" })).toMatchObject({ ok: true, mutation: { from: "9223372036854775807" } }); // kept exact as a string
    expect(codeOf({ label: "tagged", from: "", to: 1 })).toBe("invalid_id");
    expect(one({ label: "tagged", from: 17, to: 1 })).toMatchObject({ ok: true, mutation: { from: "17" } });
  });

  test("ingest: validation: an id longer than 249 UTF-8 bytes is id_too_long", () => {
    expect(codeOf({ label: "tagged", from: "a".repeat(249), to: 1 })).toBe("ok");
    expect(codeOf({ label: "tagged", from: "a".repeat(250), to: 1 })).toBe("id_too_long");
    expect(codeOf({ label: "tagged", from: "é".repeat(125), to: 1 })).toBe("id_too_long"); // 250 bytes, 125 characters
  });

  test("ingest: validation: prop values are normalised to their data types", () => {
    expect(propsOf({ props: { dur_ms: "15", platform: 7, score: "0.25", seen: "true" } })).toEqual({ dur_ms: 15, platform: "7", score: 0.25, seen: true });
  });

  test("ingest: validation: a value that does not fit its type is invalid_prop_type", () => {
    for (const props of [{ dur_ms: "fast" }, { dur_ms: 1.5 }, { seen: "yes" }, { score: "NaN" }, { platform: { a: 1 } }, { platform: [1] }]) {
      expect(codeOf({ props })).toBe("invalid_prop_type");
    }
    expect(one({ props: { dur_ms: "fast", seen: 3 } })).toMatchObject({ code: "invalid_prop_type", message: expect.stringContaining("and 1 more") });
  });

  test("ingest: validation: props outside the schema are rejected by default and dropped when the label says drop", () => {
    expect(one({ props: { dur_ms: 1, colour: "red" } })).toMatchObject({ ok: false, code: "unknown_prop", message: expect.stringContaining("colour") });
    expect(propsOf({ label: "tagged", from: "home", to: 1, props: { tag: "a", colour: "red", size: 3 } })).toEqual({ tag: "a" });
  });

  test("ingest: validation: S2Graph's system props (_timestamp, ...) and null values are dropped", () => {
    expect(propsOf({ props: { _timestamp: 5, _from: 1, dur_ms: 2, platform: null } })).toEqual({ dur_ms: 2 });
  });

  test("ingest: validation: props that are not an object are invalid_props", () => {
    for (const props of [[1], "x", 3, true]) expect(codeOf({ props })).toBe("invalid_props");
    expect(propsOf({ props: null })).toEqual({});
  });

  test("ingest: validation: prop names inherited from Object.prototype are neither given nor smuggled", () => {
    const proto = testLookup({ labels: [{ label: "p", props: [prop("constructor", "string"), prop("toString", "integer")] }] });
    const result = decodeNdjson([
      JSON.stringify({ timestamp: 1, from: 1, to: 2, label: "p", props: {} }),
      JSON.stringify({ timestamp: 1, from: 1, to: 2, label: "p", props: { constructor: "c", toString: 4 } }),
      JSON.stringify({ timestamp: 1, from: 1, to: 2, label: "view", props: { constructor: "c" } }),
    ].join("\n"), { lookup: proto, receivedAtMs: 0 });
    expect(outcome(result).map((m) => (typeof m === "string" ? m : m.kind === "edge" && m.op !== "deleteAll" ? m.props : m))).toEqual([{}, { constructor: "c", toString: 4 }, "unknown_label"]);
    expect(codeOf({ props: { constructor: "c" } })).toBe("unknown_prop");
  });

  test("ingest: validation: vertex props are checked against the column; unknown ones are rejected", () => {
    const vertex = (props: unknown) => JSON.stringify({ timestamp: 1, serviceName: "s1", columnName: "user_id", id: 1, props });
    const result = decodeNdjson([vertex({ age: "41", vip: false }), vertex({ age: "old" }), vertex({ height: 2 })].join("\n"), opts);
    expect(result.rows.map((r) => (r.ok && r.mutation.kind === "vertex" ? r.mutation.props : r.ok ? r : r.code))).toEqual([{ age: 41, vip: false }, "invalid_prop_type", "unknown_prop"]);
  });

  test("ingest: validation: every row names the service it touches, so the route can refuse other tenants", () => {
    const result = decodeNdjson([line({}), line({ label: "s2_like" }), JSON.stringify({ timestamp: 1, serviceName: "s2", columnName: "nope", id: 1 })].join("\n"), opts);
    expect(result.rows.map((r) => r.service)).toEqual(["s1", "s2", "s2"]);
  });

  test("ingest: validation: checkers are cached and rebuilt when the registry version changes", () => {
    const registry = testLookup({ labels: [{ label: "l", props: [prop("a", "integer")] }] });
    const checkers = checkersFor(registry);
    expect(checkersFor(registry)).toBe(checkers);
    const first = checkers.label("l");
    expect(checkers.label("l")).toBe(first as NonNullable<typeof first>);
    const decode = () => decodeNdjson(JSON.stringify({ timestamp: 1, from: 1, to: 2, label: "l", props: { a: 1, b: "x" } }), { lookup: registry, receivedAtMs: 0 }).rows[0];
    expect(decode()).toMatchObject({ ok: false, code: "unknown_prop" });
    registry.setLabel({ label: "l", props: [prop("a", "integer"), prop("b", "string")] });
    expect(checkers.label("l")).not.toBe(first as NonNullable<typeof first>);
    expect(decode()).toMatchObject({ ok: true, mutation: { props: { a: 1, b: "x" } } });
  });
});
