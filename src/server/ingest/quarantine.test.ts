import { describe, expect, test } from "bun:test";
import { decodeNdjson } from "./ndjson.ts";
import { decodeEdgeJson } from "./s2graph-json.ts";
import { quarantineRecord, quarantineRecords, truncateUtf8 } from "./quarantine.ts";
import { standardLookup } from "./test-lookup.ts";

const lookup = standardLookup();

describe("ingest: quarantine", () => {
  test("ingest: quarantine: one record per rejected row, with raw text, reason, line, arrival time and service", () => {
    const good = '{"timestamp":1,"from":1,"to":2,"label":"view"}';
    const badProp = '{"timestamp":1,"from":1,"to":2,"label":"view","props":{"x":1}}';
    const result = decodeNdjson([good, "", badProp, "nope", good].join("\n"), { lookup, receivedAtMs: 0 });
    expect(quarantineRecords(result, { receivedAtMs: 123 })).toEqual([
      { rawText: badProp, rawBytes: badProp.length, rawTruncated: false, code: "unknown_prop", message: expect.any(String), line: 3, index: 1, receivedAtMs: 123, service: "s1" },
      { rawText: "nope", rawBytes: 4, rawTruncated: false, code: "invalid_json", message: expect.any(String), line: 4, index: 2, receivedAtMs: 123, service: undefined },
    ]);
  });

  test("ingest: quarantine: raw text over the limit is cut on a character boundary and marked", () => {
    const big = `{"timestamp":1,"from":1,"to":2,"label":"view","props":{"platform":"${"é".repeat(40_000)}"}}`;
    const result = decodeNdjson(big, { lookup, receivedAtMs: 0 });
    expect(result.rows[0]?.ok).toBe(false);
    const [record] = quarantineRecords(result, { receivedAtMs: 1 });
    expect(record?.rawTruncated).toBe(true);
    expect(record?.rawBytes).toBe(Buffer.byteLength(big));
    expect(Buffer.byteLength(record?.rawText ?? "")).toBeLessThanOrEqual(64 * 1024);
    expect(Buffer.byteLength(record?.rawText ?? "")).toBeGreaterThan(64 * 1024 - 4);
    expect(big.startsWith(record?.rawText ?? "x")).toBe(true);
  });

  test("ingest: quarantine: truncateUtf8 never splits a character", () => {
    for (const text of ["abc", "ééé", "€€€", "😀😀😀", "a😀b"]) {
      for (let max = 0; max <= Buffer.byteLength(text); max++) {
        const cut = truncateUtf8(text, max);
        expect(Buffer.byteLength(cut.text)).toBeLessThanOrEqual(max);
        expect(text.startsWith(cut.text)).toBe(true);
        expect(cut.text.includes("\uFFFD")).toBe(false);
        expect(cut.truncated).toBe(Buffer.byteLength(text) > max);
      }
    }
  });

  test("ingest: quarantine: a fanned-out element failing the same way gives one record", () => {
    const result = decodeEdgeJson(JSON.stringify([{ timestamp: 1, from: "bad", tos: [1, 2, 3], label: "view" }]), { lookup, receivedAtMs: 0, op: "insert" });
    expect(result.rejectedCount).toBe(3);
    const records = quarantineRecords(result, { receivedAtMs: 0 });
    expect(records.length).toBe(1);
    expect(records[0]).toMatchObject({ code: "invalid_id", index: 0, line: undefined });
  });

  test("ingest: quarantine: a whole refused body can be quarantined too", () => {
    const record = quarantineRecord("[{", "invalid_json", "the body is not valid JSON", {}, { receivedAtMs: 5, rawBytesMax: 1 });
    expect(record).toEqual({ rawText: "[", rawBytes: 2, rawTruncated: true, code: "invalid_json", message: "the body is not valid JSON", line: undefined, index: 0, receivedAtMs: 5, service: undefined });
  });
});
