import { describe, expect, test } from "bun:test";
import { EdgeflowError, type Mutation } from "../../lib/index.ts";
import { mutationRow, quarantineRow, tsv, valueText } from "./encode.ts";
import { testLabel } from "./test-fixtures.ts";
import { chunkToken, insertSettings } from "./write.ts";

const strong = testLabel("friends", 7);
const weak = testLabel("views", 8, { consistency: "weak" });
const schema = { label: (name: string) => [strong, weak].find((l) => l.label === name) };

describe("graph: encode", () => {
  test("graph: encode: values are stored as the text the registry parses back", () => {
    expect([valueText("a'b"), valueText(42), valueText(-0), valueText(0.1), valueText(1e21), valueText(true), valueText(false)])
      .toEqual(["a'b", "42", "0", "0.1", "1e+21", "true", "false"]);
    expect(() => valueText(Number.NaN)).toThrow(EdgeflowError);
    expect(() => valueText(Number.POSITIVE_INFINITY)).toThrow(EdgeflowError);
  });

  test("graph: encode: an edge row carries its label's id and consistency, resolved when written", () => {
    const m: Mutation = { kind: "edge", op: "update", id: "abc", ts: 255, service: "svc", label: "views", from: 1, to: "x", props: { weight: 3, note: "n" } };
    expect(mutationRow({ seq: 9, mutation: m }, schema, 1000)).toEqual({
      id: "abc", seq: 9, kind: "edge", op: "update", ts: 255, okey: "00000000000000ff1abc", service: "svc", label: "views", label_id: 8,
      consistency: "weak", column_name: "", from_id: "1", to_id: "x", direction: "out", prop_keys: ["weight", "note"], prop_values: ["3", "n"],
      joined_keys: [], joined_values: [], received_ms: 1000,
    });
    const unknown = mutationRow({ seq: 1, mutation: { ...m, label: "gone" } }, schema, 0);
    expect([unknown.label_id, unknown.consistency]).toEqual([0, ""]);
  });

  test("graph: encode: deleteAll keeps its direction; vertices their column; a bad shape is invalid", () => {
    const all: Mutation = { kind: "edge", op: "deleteAll", id: "d", ts: 1, service: "svc", label: "friends", from: 5, direction: "in" };
    expect(mutationRow({ seq: 1, mutation: all }, schema, 0)).toMatchObject({ from_id: "5", to_id: "", direction: "in", okey: "00000000000000013d", label_id: 7 });
    const vertex: Mutation = { kind: "vertex", op: "insert", id: "v", ts: 1, service: "svc", column: "user_id", vertexId: 5, props: { age: 3 } };
    expect(mutationRow({ seq: 1, mutation: vertex }, schema, 0)).toMatchObject({ kind: "vertex", column_name: "user_id", from_id: "5", label: "", prop_keys: ["age"] });
    expect(() => mutationRow({ seq: 1, mutation: { ...all, direction: "both" as "in" } }, schema, 0)).toThrow(EdgeflowError);
    expect(() => mutationRow({ seq: 1, mutation: { ...all, op: "upsert" as "deleteAll" } }, schema, 0)).toThrow(EdgeflowError);
  });

  test("graph: encode: TSV escapes fields and quotes array elements so no raw tab or newline remains", () => {
    const row = { a: "x\ty\nz\\", b: 5, c: ["p'q", "t\tu\\", "\u0001"], d: null };
    expect(tsv([row], ["a", "b", "c", "d"])).toBe("x\\ty\\nz\\\\\t5\t['p\\'q','t\\x09u\\\\','\\x01']\t\\N\n");
  });

  test("graph: encode: a quarantine record's id is its content, so a retried record is kept once", () => {
    const record = { rawText: "{", rawBytes: 1, rawTruncated: false, code: "c", message: "m", line: 2, index: 0, receivedAtMs: 5, service: "s" };
    expect(quarantineRow(record, "q1", 1).row_id).toBe(quarantineRow(record, "q1.a", 2).row_id);
    expect(quarantineRow(record, "q1", 1).row_id).not.toBe(quarantineRow({ ...record, index: 1 }, "q1", 1).row_id);
  });

  test("graph: write: a dedup token names the rows, not just the sink's range, and is sent only where the engine has tokens", () => {
    expect(chunkToken("1-10", 0, ["a", "b"])).toBe(chunkToken("1-10", 0, ["a", "b"]));
    expect(chunkToken("1-10", 0, ["a", "b"])).not.toBe(chunkToken("1-10", 0, ["a", "c"]));
    const modern = { lowCardinality: true, ttl: true, queryParameters: true, insertDeduplicationToken: true, asyncInsert: true, windowFunctions: true };
    expect(insertSettings(modern, () => "t")).toMatchObject({ insert_deduplication_token: "t", deduplicate_blocks_in_dependent_materialized_views: 1 });
    expect(insertSettings({ ...modern, insertDeduplicationToken: false }, () => "t")).toEqual({ insert_deduplicate: 1, max_insert_block_size: 1_048_576 });
  });
});
