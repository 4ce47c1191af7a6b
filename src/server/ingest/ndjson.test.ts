import { describe, expect, test } from "bun:test";
import { EdgeflowError, type EdgeMutation, type VertexMutation } from "../../lib/index.ts";
import { decodeNdjson } from "./ndjson.ts";
import { standardLookup } from "./test-lookup.ts";
import type { DecodeResult, RejectedRow } from "./types.ts";

const lookup = standardLookup();
const opts = { lookup, receivedAtMs: 1_000 };

const edge = (over: Record<string, unknown> = {}) => JSON.stringify({ timestamp: 10, from: 1, to: 2, label: "view", props: { dur_ms: 5 }, ...over });
const rejected = (result: DecodeResult): RejectedRow[] => result.rows.filter((r): r is RejectedRow => !r.ok);

describe("ingest: ndjson", () => {
  test("ingest: ndjson: edges and vertices decode with op insert by default", () => {
    const body = [
      edge(),
      JSON.stringify({ timestamp: 11, serviceName: "s1", columnName: "user_id", id: 7, props: { age: 30 } }),
    ].join("\n");
    const result = decodeNdjson(new TextEncoder().encode(body), opts);
    expect(result.rejectedCount).toBe(0);
    expect(result.elementOk).toEqual([true, true]);
    const [e, v] = result.rows.map((r) => (r.ok ? r.mutation : undefined));
    expect(e).toMatchObject({ kind: "edge", op: "insert", ts: 10, service: "s1", label: "view", from: 1, to: 2, props: { dur_ms: 5 } });
    expect(v).toMatchObject({ kind: "vertex", op: "insert", ts: 11, service: "s1", column: "user_id", vertexId: 7, props: { age: 30 } });
    expect((e as EdgeMutation).id).toMatch(/^[0-9a-f]{32}$/);
    expect(result.rows.map((r) => r.line)).toEqual([1, 2]);
  });

  test("ingest: ndjson: a bad line is rejected with its line number, the rest accepted", () => {
    const body = [edge(), edge({ timestamp: -1 }), edge()].join("\n");
    const result = decodeNdjson(body, opts);
    expect(result.elementOk).toEqual([true, false, true]);
    expect(rejected(result)).toEqual([
      { ok: false, index: 1, line: 2, code: "invalid_timestamp", message: expect.any(String), raw: edge({ timestamp: -1 }), service: "s1" },
    ]);
  });

  test("ingest: ndjson: empty lines are skipped but counted in line numbers; CRLF is accepted", () => {
    const body = `\n${edge()}\r\n\r\n\n{bad\r\n${edge()}\n\n`;
    const result = decodeNdjson(body, opts);
    expect(result.rows.map((r) => [r.line, r.ok])).toEqual([[2, true], [5, false], [6, true]]);
    expect(rejected(result)[0]?.raw).toBe("{bad");
    expect(result.elementOk).toEqual([true, false, true]);
  });

  test("ingest: ndjson: 10% bad lines are exactly the lines rejected, with correct line numbers", () => {
    const badKinds = [
      "{not json",
      edge({ label: "nope" }),
      edge({ props: { dur_ms: "slow" } }),
      edge({ props: { colour: "red" } }),
      edge({ from: "abc" }),
      edge({ timestamp: 1.5 }),
      JSON.stringify([1, 2, 3]),
      edge({ op: "explode" }),
      `${"[".repeat(100)}${"]".repeat(100)}`,
      JSON.stringify({ timestamp: 1, serviceName: "s1", columnName: "nope", id: 1 }),
    ];
    const lines: string[] = [];
    const badLines = new Set<number>();
    for (let i = 1; i <= 1000; i++) {
      if (i % 10 === 7) {
        badLines.add(i);
        lines.push(badKinds[(i / 10) % badKinds.length | 0] as string);
      } else {
        lines.push(edge({ from: i, timestamp: i }));
      }
    }
    const result = decodeNdjson(new TextEncoder().encode(lines.join("\n")), opts);
    expect(result.rows.length).toBe(1000);
    expect(result.rejectedCount).toBe(100);
    expect(new Set(rejected(result).map((r) => r.line))).toEqual(badLines);
    for (const row of result.rows) {
      expect(row.ok).toBe(!badLines.has(row.line as number));
      if (!row.ok) expect(row.raw).toBe(lines[(row.line as number) - 1] as string);
    }
    expect(new Set(rejected(result).map((r) => r.code))).toEqual(
      new Set(["invalid_json", "unknown_label", "invalid_prop_type", "unknown_prop", "invalid_id", "invalid_timestamp", "invalid_element", "unsupported_op", "too_deep", "unknown_column"]),
    );
  });

  test("ingest: ndjson: a line nested 10^5 and 10^6 deep is rejected without a crash", () => {
    for (const depth of [100_000, 1_000_000]) {
      const deep = `{"a":${"[".repeat(depth)}${"]".repeat(depth)}}`;
      const result = decodeNdjson([edge(), deep, edge()].join("\n"), opts);
      expect(result.elementOk).toEqual([true, false, true]);
      expect(rejected(result)[0]).toMatchObject({ line: 2, code: "too_deep" });
    }
  });

  test("ingest: ndjson: depth exactly at the limit parses; one more is too deep", () => {
    const nested = (depth: number) => `${"[".repeat(depth - 2)}1${"]".repeat(depth - 2)}`;
    const at = edge({ props: { dur_ms: 1 } }).replace('"dur_ms":1', `"dur_ms":${nested(4)}`);
    const result = decodeNdjson(at, { ...opts, depthMax: 4 });
    expect(rejected(result)[0]?.code).toBe("invalid_prop_type");
    const over = edge().replace('"dur_ms":5', `"dur_ms":${nested(5)}`);
    expect(rejected(decodeNdjson(over, { ...opts, depthMax: 4 }))[0]?.code).toBe("too_deep");
  });

  test("ingest: ndjson: a line that is not UTF-8 is rejected alone", () => {
    const good = new TextEncoder().encode(`${edge()}\n`);
    const bad = new Uint8Array([0x7b, 0xff, 0xfe, 0x7d, 0x0a]);
    const body = new Uint8Array(good.length * 2 + bad.length);
    body.set(good);
    body.set(bad, good.length);
    body.set(good, good.length + bad.length);
    const result = decodeNdjson(body, opts);
    expect(result.rows.map((r) => [r.line, r.ok])).toEqual([[1, true], [2, false], [3, true]]);
    expect(rejected(result)[0]?.code).toBe("invalid_utf8");
  });

  test("ingest: ndjson: op takes S2Graph's names and aliases, per line", () => {
    const ops = ["i", "insert", "u", "update", "increment", "d", "delete", "insertBulk"];
    const result = decodeNdjson(ops.map((op) => edge({ op })).join("\n"), opts);
    expect(result.rejectedCount).toBe(0);
    expect(result.rows.map((r) => (r.ok ? r.mutation.op : ""))).toEqual(["insert", "insert", "update", "update", "increment", "delete", "delete", "insertBulk"]);
    const counts = decodeNdjson(edge({ op: "incrementCount" }), opts);
    expect(rejected(counts)[0]?.code).toBe("unsupported_op");
  });

  test("ingest: ndjson: a deleteAll line names its vertex and keeps its direction", () => {
    const line = JSON.stringify({ op: "deleteAll", timestamp: 5, label: "view", ids: [1, 2], direction: "in" });
    const result = decodeNdjson(line, opts);
    expect(result.rows.map((r) => (r.ok ? r.mutation : r.code))).toEqual([
      { kind: "edge", op: "deleteAll", id: expect.any(String), ts: 5, service: "s1", label: "view", from: 1, direction: "in" },
      { kind: "edge", op: "deleteAll", id: expect.any(String), ts: 5, service: "s1", label: "view", from: 2, direction: "in" },
    ]);
  });

  test("ingest: ndjson: vertex ops without an S2Graph equivalent are rejected", () => {
    const vertex = (op: string) => JSON.stringify({ op, timestamp: 1, serviceName: "s1", columnName: "user_id", id: 1 });
    const result = decodeNdjson(["increment", "insertBulk", "delete", "deleteAll"].map(vertex).join("\n"), opts);
    expect(result.rows.map((r) => (r.ok ? r.mutation.op : r.code))).toEqual(["unsupported_op", "unsupported_op", "delete", "deleteAll"]);
  });

  test("ingest: ndjson: a line that is neither an edge nor a vertex is unknown_kind", () => {
    expect(rejected(decodeNdjson(JSON.stringify({ timestamp: 1, from: 1, to: 2 }), opts))[0]?.code).toBe("unknown_kind");
  });

  test("ingest: ndjson: every line needs its timestamp (no arrival-time default)", () => {
    const result = decodeNdjson(JSON.stringify({ serviceName: "s1", columnName: "user_id", id: 1 }), opts);
    expect(rejected(result)[0]?.code).toBe("invalid_timestamp");
  });

  test("ingest: ndjson: a client id names the mutation: hash of service and client id", () => {
    const a = decodeNdjson(edge({ id: "req-1/0" }), opts).rows[0];
    const b = decodeNdjson(edge({ id: "req-1/0", props: { dur_ms: 99 } }), opts).rows[0];
    const c = decodeNdjson(edge({ id: "req-1/1" }), opts).rows[0];
    const v = decodeNdjson(JSON.stringify({ timestamp: 1, serviceName: "s1", columnName: "user_id", id: 9, mutationId: "req-1/0" }), opts).rows[0];
    const other = decodeNdjson(edge({ label: "s2_like", props: {}, id: "req-1/0" }), opts).rows[0];
    const ids = [a, b, c, v, other].map((r) => (r?.ok ? r.mutation.id : "rejected"));
    expect(ids[0]).toBe(ids[1] as string); // same client id, same service: the same mutation
    expect(ids[0]).toBe(ids[3] as string);
    expect(ids[0]).not.toBe(ids[2] as string);
    expect(ids[0]).not.toBe(ids[4] as string); // another tenant's identical client id does not collide
    expect((v as { mutation: VertexMutation }).mutation.vertexId).toBe(9);
    expect(rejected(decodeNdjson(edge({ id: { nested: true } }), opts))[0]?.code).toBe("invalid_client_id");
  });

  test("ingest: ndjson: more lines than rowsMax is too_large for the whole request", () => {
    const body = Array.from({ length: 11 }, () => edge()).join("\n");
    expect(decodeNdjson(body, { ...opts, rowsMax: 11 }).rows.length).toBe(11);
    let error: unknown;
    try {
      decodeNdjson(body, { ...opts, rowsMax: 10 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(EdgeflowError);
    expect((error as EdgeflowError).kind).toBe("too_large");
    expect((error as EdgeflowError).code).toBe("too_many_rows");
  });

  test("ingest: ndjson: the default row limit is 100,000", () => {
    const line = `${edge()}\n`;
    expect(decodeNdjson(line.repeat(100_000), opts).acceptedCount).toBe(100_000);
    expect(() => decodeNdjson(line.repeat(100_001), opts)).toThrow(EdgeflowError);
  });
});
