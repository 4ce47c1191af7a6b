import { describe, expect, test } from "bun:test";
import { decodeTsv } from "./tsv.ts";
import { standardLookup } from "./test-lookup.ts";
import type { DecodeResult, RejectedRow } from "./types.ts";

const lookup = standardLookup();
const opts = { lookup, receivedAtMs: 1_000 };
const tsv = (...lines: string[][]) => lines.map((fields) => fields.join("\t")).join("\n");
const rejected = (result: DecodeResult): RejectedRow[] => result.rows.filter((r): r is RejectedRow => !r.ok);
const mutations = (result: DecodeResult) => result.rows.map((r) => (r.ok ? r.mutation : r.code));

describe("ingest: tsv", () => {
  test("ingest: tsv: edges and vertices mixed, in order", () => {
    const body = tsv(
      ["1", "insert", "e", "1", "2", "view", '{"dur_ms":5,"platform":"ios"}'],
      ["2", "i", "v", "7", "s1", "user_id", '{"age":"30"}'],
      ["3", "insert", "edge", "3", "4", "view"],
      ["4", "update", "vertex", "8", "s1", "user_id", "{}"],
    );
    const result = decodeTsv(new TextEncoder().encode(body), opts);
    expect(result.rejectedCount).toBe(0);
    expect(mutations(result)).toEqual([
      { kind: "edge", op: "insert", id: expect.any(String), ts: 1, service: "s1", label: "view", from: 1, to: 2, props: { dur_ms: 5, platform: "ios" } },
      { kind: "vertex", op: "insert", id: expect.any(String), ts: 2, service: "s1", column: "user_id", vertexId: 7, props: { age: 30 } },
      { kind: "edge", op: "insert", id: expect.any(String), ts: 3, service: "s1", label: "view", from: 3, to: 4, props: {} },
      { kind: "vertex", op: "update", id: expect.any(String), ts: 4, service: "s1", column: "user_id", vertexId: 8, props: {} },
    ]);
  });

  test("ingest: tsv: S2Graph's op aliases are taken", () => {
    const ops = ["i", "insert", "u", "update", "increment", "d", "delete", "insertBulk", "deleteAll"];
    const result = decodeTsv(tsv(...ops.map((op) => ["1", op, "e", "1", "2", "view", '{"dur_ms":1}'])), opts);
    expect(result.rows.map((r) => (r.ok ? r.mutation.op : r.code))).toEqual(["insert", "insert", "update", "update", "increment", "delete", "delete", "insertBulk", "deleteAll"]);
    expect(rejected(decodeTsv(tsv(["1", "incrementCount", "e", "1", "2", "view"]), opts))[0]?.code).toBe("unsupported_op");
    expect(rejected(decodeTsv(tsv(["1", "upsert", "e", "1", "2", "view"]), opts))[0]?.code).toBe("unsupported_op");
  });

  test("ingest: tsv: direction in swaps from and to, anything else means out (as in S2Graph)", () => {
    const result = decodeTsv(tsv(
      ["1", "insert", "e", "1", "2", "view", "{}", "in"],
      ["1", "insert", "e", "1", "2", "view", "{}", "out"],
      ["1", "insert", "e", "1", "2", "view", "{}", "sideways"],
    ), opts);
    expect(result.rows.map((r) => (r.ok && r.mutation.kind === "edge" && r.mutation.op !== "deleteAll" ? [r.mutation.from, r.mutation.to] : r))).toEqual([[2, 1], [1, 2], [1, 2]]);
  });

  test("ingest: tsv: direction in checks from against the target column and to against the source column", () => {
    // tagged: page (string) -> item (long). Sent "in", from is an item and to a page.
    const ok = decodeTsv(tsv(["1", "insert", "e", "42", "home", "tagged", "{}", "in"]), opts);
    expect(mutations(ok)).toEqual([{ kind: "edge", op: "insert", id: expect.any(String), ts: 1, service: "s1", label: "tagged", from: "home", to: 42, props: {} }]);
    const bad = decodeTsv(tsv(["1", "insert", "e", "home", "42", "tagged", "{}", "in"]), opts);
    expect(rejected(bad)[0]).toMatchObject({ code: "invalid_id", message: expect.stringContaining("from") });
  });

  test("ingest: tsv: a deleteAll edge line names its vertex in from (S2Graph's fail-log form)", () => {
    const result = decodeTsv(tsv(["9", "deleteAll", "e", "5", "5", "view", "{}", "in"]), opts);
    expect(mutations(result)).toEqual([{ kind: "edge", op: "deleteAll", id: expect.any(String), ts: 9, service: "s1", label: "view", from: 5, direction: "in" }]);
  });

  test("ingest: tsv: a bad line is rejected with its line number (from 1), the rest accepted", () => {
    const body = [
      "1\tinsert\te\t1\t2\tview",
      "",
      "2\tinsert\te\t1\t2", // too few fields
      "x\tinsert\te\t1\t2\tview", // bad timestamp
      "3\tinsert\tq\t1\t2\tview", // unknown kind
      "4\tinsert\te\t1\t2\tview\t{not json}",
      "5\tinsert\te\t1\t2\tview\t[1]", // props not an object
      "6\tinsert\te\t1\t2\tview\t{\"dur_ms\":1}",
      "7\tinsert\tv\t1\ts1\tnope\t{}",
      "8\tincrement\te\t1\t2\tview\t{\"platform\":\"x\"}",
    ].join("\n");
    const result = decodeTsv(body, opts);
    expect(result.rows.map((r) => [r.line, r.ok ? "ok" : r.code])).toEqual([
      [1, "ok"], [3, "invalid_tsv"], [4, "invalid_timestamp"], [5, "unknown_kind"], [6, "invalid_json"],
      [7, "invalid_props"], [8, "ok"], [9, "unknown_column"], [10, "invalid_prop_type"],
    ]);
    expect(rejected(result)[0]?.raw).toBe("2\tinsert\te\t1\t2");
  });

  test("ingest: tsv: deeply nested props are too_deep, not a crash", () => {
    const deep = `{"a":${"[".repeat(200_000)}${"]".repeat(200_000)}}`;
    expect(rejected(decodeTsv(`1\tinsert\te\t1\t2\tview\t${deep}`, opts))[0]?.code).toBe("too_deep");
  });

  test("ingest: tsv: string ids are kept as sent; numeric ids of long columns become numbers", () => {
    const result = decodeTsv(tsv(["1", "insert", "e", "home page", "0042", "tagged", '{"tag":"a"}']), opts);
    expect(mutations(result)).toEqual([{ kind: "edge", op: "insert", id: expect.any(String), ts: 1, service: "s1", label: "tagged", from: "home page", to: 42, props: { tag: "a" } }]);
  });
});
