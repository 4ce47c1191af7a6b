import { describe, expect, test } from "bun:test";
import { gzipSync } from "fflate";
import { EdgeflowError } from "../../lib/index.ts";
import { decodeEdgeJson, decodeNative, nativeFormatOf, readBody } from "./index.ts";
import { standardLookup } from "./test-lookup.ts";

const lookup = standardLookup();

describe("ingest: front door", () => {
  test("ingest: native format: chosen by Content-Type, or sniffed when there is none", () => {
    expect(nativeFormatOf("application/x-ndjson", "")).toBe("ndjson");
    expect(nativeFormatOf("application/jsonl; charset=utf-8", "")).toBe("ndjson");
    expect(nativeFormatOf("text/tab-separated-values", "")).toBe("tsv");
    expect(nativeFormatOf("text/plain", "")).toBe("tsv");
    expect(nativeFormatOf(null, '  \n{"a":1}')).toBe("ndjson");
    expect(nativeFormatOf(null, new TextEncoder().encode('\uFEFF{"a":1}'))).toBe("ndjson");
    expect(nativeFormatOf(null, new TextEncoder().encode("1\ti\te\t1\t2\tview"))).toBe("tsv");
    expect(() => nativeFormatOf("image/png", "")).toThrow(EdgeflowError);
  });

  test("ingest: front door: a gzip NDJSON request reads, decodes and names its services", async () => {
    const lines = [
      '{"timestamp":1,"from":1,"to":2,"label":"view"}',
      '{"timestamp":1,"from":1,"to":2,"label":"s2_like"}',
      '{"timestamp":1,"from":1,"to":2,"label":"nope"}',
    ].join("\n");
    const request = new Request("http://edgeflow.test/v1/mutate", {
      method: "POST",
      body: gzipSync(new TextEncoder().encode(lines)),
      headers: { "content-encoding": "gzip", "content-type": "application/x-ndjson" },
    });
    const body = await readBody(request);
    const result = decodeNative(body, nativeFormatOf(request.headers.get("content-type"), body), { lookup, receivedAtMs: 0 });
    expect(result.elementOk).toEqual([true, true, false]);
    expect(result.services).toEqual(["s1", "s2"]);
    const tsv = decodeNative("1\ti\te\t1\t2\tview", "tsv", { lookup, receivedAtMs: 0 });
    expect(tsv.acceptedCount).toBe(1);
  });

  test("ingest: front door: the S2Graph answer is one boolean per element, in order", () => {
    const result = decodeEdgeJson(JSON.stringify([
      { timestamp: 1, froms: [1, 2], to: 3, label: "view" },
      { timestamp: 1, from: 1, to: 2, label: "nope" },
      { timestamp: 1, from: 1, to: 2, label: "view" },
    ]), { lookup, receivedAtMs: 0, op: "insert" });
    expect(result.elementOk).toEqual([true, false, true]);
    expect(result.rows.length).toBe(4);
  });
});
