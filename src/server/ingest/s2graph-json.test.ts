import { describe, expect, test } from "bun:test";
import { EdgeflowError } from "../../lib/index.ts";
import { decodeDeleteAllJson, decodeEdgeJson, decodeVertexJson } from "./s2graph-json.ts";
import { standardLookup } from "./test-lookup.ts";
import type { DecodeResult, RejectedRow } from "./types.ts";

const lookup = standardLookup();
const base = { lookup, receivedAtMs: 777 };
const body = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
const rejected = (result: DecodeResult): RejectedRow[] => result.rows.filter((r): r is RejectedRow => !r.ok);
const ends = (result: DecodeResult) => result.rows.map((r) => (r.ok && r.mutation.kind === "edge" && r.mutation.op !== "deleteAll" ? [r.mutation.from, r.mutation.to] : r.ok ? "other" : r.code));

function thrown(fn: () => unknown): EdgeflowError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(EdgeflowError);
    return error as EdgeflowError;
  }
  throw new Error("expected an EdgeflowError");
}

describe("ingest: s2graph json", () => {
  test("ingest: s2graph json: an edge array decodes under the route's op, one element per row", () => {
    const result = decodeEdgeJson(body([
      { timestamp: 1, from: 1, to: 2, label: "view", props: { dur_ms: 3 } },
      { timestamp: 2, from: "3", to: 4, label: "follow", props: { weight: "7" } },
    ]), { ...base, op: "update" });
    expect(result.elementOk).toEqual([true, true]);
    expect(result.rows.map((r) => (r.ok ? r.mutation : r))).toEqual([
      { kind: "edge", op: "update", id: expect.any(String), ts: 1, service: "s1", label: "view", from: 1, to: 2, props: { dur_ms: 3 } },
      { kind: "edge", op: "update", id: expect.any(String), ts: 2, service: "s1", label: "follow", from: 3, to: 4, props: { weight: 7 } },
    ]);
    expect(result.rows.every((r) => r.line === undefined)).toBe(true);
  });

  test("ingest: s2graph json: froms × tos fans out in order; the element is true iff all its edges are", () => {
    const result = decodeEdgeJson(body([
      { timestamp: 1, froms: [1, 2], tos: [10, 20, 30], label: "view" },
      { timestamp: 1, from: 5, tos: [6, "x", 7], label: "view" },
      { timestamp: 1, from: 1, froms: [2], to: 3, label: "view" },
    ]), { ...base, op: "insert" });
    expect(ends(result)).toEqual([[1, 10], [1, 20], [1, 30], [2, 10], [2, 20], [2, 30], [5, 6], "invalid_id", [5, 7], [1, 3], [2, 3]]);
    expect(result.rows.map((r) => r.index)).toEqual([0, 0, 0, 0, 0, 0, 1, 1, 1, 2, 2]);
    expect(result.elementOk).toEqual([true, false, true]);
    expect(rejected(result)[0]?.raw).toBe(JSON.stringify({ timestamp: 1, from: 5, tos: [6, "x", 7], label: "view" }));
    const ids = result.rows.map((r) => (r.ok ? r.mutation.id : ""));
    expect(new Set(ids.filter(Boolean)).size).toBe(10);
  });

  test("ingest: s2graph json: a client id on a fanned-out element gives each pair its own id", () => {
    const result = decodeEdgeJson(body([{ timestamp: 1, froms: [1, 2], tos: [3, 4], label: "view", id: "batch-7" }]), { ...base, op: "insert" });
    const again = decodeEdgeJson(body([{ timestamp: 2, froms: [1, 2], tos: [3, 4], label: "view", id: "batch-7" }]), { ...base, op: "insert" });
    const ids = result.rows.map((r) => (r.ok ? r.mutation.id : ""));
    expect(new Set(ids).size).toBe(4);
    expect(again.rows.map((r) => (r.ok ? r.mutation.id : ""))).toEqual(ids); // a retry names the same mutations
  });

  test("ingest: s2graph json: direction in stores the edge out-direction, for every op", () => {
    for (const op of ["insert", "update", "increment", "delete", "insertBulk"] as const) {
      const result = decodeEdgeJson(body([{ timestamp: 1, from: 9, to: 8, label: "view", direction: "in", props: { dur_ms: 1 } }]), { ...base, op });
      expect(ends(result)).toEqual([[8, 9]]);
    }
    const same = decodeEdgeJson(body([
      { timestamp: 1, from: 9, to: 8, label: "view", direction: "in", props: { dur_ms: 1 } },
      { timestamp: 1, from: 8, to: 9, label: "view", props: { dur_ms: 1 } },
    ]), { ...base, op: "insert" });
    const [a, b] = same.rows.map((r) => (r.ok ? r.mutation.id : ""));
    expect(a).toBe(b as string); // the same edge, so the same id
    expect(rejected(decodeEdgeJson(body([{ timestamp: 1, from: 1, to: 2, label: "view", direction: "both" }]), { ...base, op: "insert" }))[0]?.code).toBe("invalid_direction");
  });

  test("ingest: s2graph json: delete ignores props; increment takes numeric props only", () => {
    const del = decodeEdgeJson(body([{ timestamp: 1, from: 1, to: 2, label: "view", props: { _timestamp: 1, anything: "x" } }]), { ...base, op: "delete" });
    expect(del.rows[0]).toMatchObject({ ok: true, mutation: { op: "delete", props: {} } });
    const inc = decodeEdgeJson(body([
      { timestamp: 1, from: 1, to: 2, label: "view", props: { dur_ms: 5, score: -0.5 } },
      { timestamp: 1, from: 1, to: 2, label: "view", props: { platform: "x" } },
      { timestamp: 1, from: 1, to: 2, label: "view", props: { seen: true } },
    ]), { ...base, op: "increment" });
    expect(inc.rows.map((r) => (r.ok ? r.mutation.kind === "edge" && r.mutation.op !== "deleteAll" && r.mutation.props : r.code))).toEqual([{ dur_ms: 5, score: -0.5 }, "invalid_prop_type", "invalid_prop_type"]);
  });

  test("ingest: s2graph json: a lone object is taken as a batch of one (S2Graph's toJsValues)", () => {
    const result = decodeEdgeJson(body({ timestamp: 1, from: 1, to: 2, label: "view" }), { ...base, op: "insert" });
    expect(result.elementOk).toEqual([true]);
  });

  test("ingest: s2graph json: a body that is not a JSON array, or does not parse, is invalid", () => {
    expect(thrown(() => decodeEdgeJson(body("edges"), { ...base, op: "insert" })).code).toBe("not_an_array");
    expect(thrown(() => decodeEdgeJson(body(42), { ...base, op: "insert" })).code).toBe("not_an_array");
    expect(thrown(() => decodeEdgeJson("[{", { ...base, op: "insert" })).code).toBe("invalid_json");
    expect(thrown(() => decodeEdgeJson(new Uint8Array([0x5b, 0xff, 0x5d]), { ...base, op: "insert" })).code).toBe("invalid_utf8");
    expect(thrown(() => decodeDeleteAllJson(body({ ids: [1], label: "view" }), base)).code).toBe("not_an_array");
    expect(thrown(() => decodeEdgeJson("[{", { ...base, op: "insert" })).kind).toBe("invalid");
  });

  test("ingest: s2graph json: a body nested 10^6 deep is invalid (too_deep) without a crash", () => {
    const deep = `[${"[".repeat(1_000_000)}${"]".repeat(1_000_000)}]`;
    const error = thrown(() => decodeEdgeJson(deep, { ...base, op: "insert" }));
    expect(error.kind).toBe("invalid");
    expect(error.code).toBe("too_deep");
  });

  test("ingest: s2graph json: an element that is not an object, or misses its label, is rejected alone", () => {
    const result = decodeEdgeJson(body([1, null, { timestamp: 1, from: 1, to: 2 }, { timestamp: 1, from: 1, to: 2, label: "view" }]), { ...base, op: "insert" });
    expect(result.rows.map((r) => (r.ok ? "ok" : r.code))).toEqual(["invalid_element", "invalid_element", "invalid_element", "ok"]);
    expect(rejected(result).map((r) => r.raw)).toEqual(["1", "null", '{"timestamp":1,"from":1,"to":2}']);
  });

  test("ingest: s2graph json: edges need their own timestamp", () => {
    const result = decodeEdgeJson(body([{ from: 1, to: 2, label: "view" }, { timestamp: "12", from: 1, to: 2, label: "view" }]), { ...base, op: "insert" });
    expect(result.rows.map((r) => (r.ok ? r.mutation.ts : r.code))).toEqual(["invalid_timestamp", 12]);
  });

  test("ingest: s2graph json: missing from or to is rejected", () => {
    const result = decodeEdgeJson(body([
      { timestamp: 1, to: 2, label: "view" },
      { timestamp: 1, from: 1, tos: [], label: "view" },
      { timestamp: 1, from: 1, tos: 5, label: "view" },
    ]), { ...base, op: "insert" });
    expect(result.rows.map((r) => (r.ok ? "ok" : r.code))).toEqual(["missing_from", "missing_to", "invalid_element"]);
  });

  test("ingest: s2graph json: a fan-out past rowsMax is too_large before it expands", () => {
    const error = thrown(() => decodeEdgeJson(body([{ timestamp: 1, froms: Array.from({ length: 1000 }, (_, i) => i), tos: Array.from({ length: 1000 }, (_, i) => i), label: "view" }]), { ...base, op: "insert" }));
    expect(error.kind).toBe("too_large");
    expect(error.code).toBe("too_many_rows");
  });

  test("ingest: s2graph json: deleteAll takes ids, label, direction and defaults its timestamp to arrival", () => {
    const result = decodeDeleteAllJson(body([
      { ids: [1, 2], label: "view", direction: "out", timestamp: 5 },
      { ids: ["home"], label: "tagged", direction: "out" },
      { ids: [42], label: "tagged", direction: "in" },
      { ids: ["home"], label: "tagged", direction: "in" },
      { label: "view" },
    ]), base);
    expect(result.rows.map((r) => (r.ok ? r.mutation : r.code))).toEqual([
      { kind: "edge", op: "deleteAll", id: expect.any(String), ts: 5, service: "s1", label: "view", from: 1, direction: "out" },
      { kind: "edge", op: "deleteAll", id: expect.any(String), ts: 5, service: "s1", label: "view", from: 2, direction: "out" },
      { kind: "edge", op: "deleteAll", id: expect.any(String), ts: 777, service: "s1", label: "tagged", from: "home", direction: "out" },
      { kind: "edge", op: "deleteAll", id: expect.any(String), ts: 777, service: "s1", label: "tagged", from: 42, direction: "in" },
      "invalid_id",
      "missing_id",
    ]);
    expect(result.elementOk).toEqual([true, true, true, false, false]);
    expect(decodeEdgeJson(body([{ ids: [1], label: "view", timestamp: 1 }]), { ...base, op: "deleteAll" }).acceptedCount).toBe(1);
  });

  test("ingest: s2graph json: vertices take id or ids, with the arrival time when timestamp is missing", () => {
    const result = decodeVertexJson(body([
      { timestamp: 3, serviceName: "s1", columnName: "user_id", id: 1, props: { age: 20, nick: "a" } },
      { serviceName: "s1", columnName: "user_id", ids: [2, 3] },
      { serviceName: "s1", columnName: "nope", id: 1 },
      { serviceName: "s9", columnName: "user_id", id: 1 },
      { serviceName: "s1", id: 1 },
    ]), { ...base, op: "insert" });
    expect(result.rows.map((r) => (r.ok ? [r.mutation.ts, r.mutation.kind === "vertex" && r.mutation.vertexId] : r.code))).toEqual([
      [3, 1], [777, 2], [777, 3], "unknown_column", "unknown_column", "invalid_element",
    ]);
    expect(result.rows[0]).toMatchObject({ mutation: { props: { age: 20, nick: "a" } } });
    expect(result.elementOk).toEqual([true, true, false, false, false]);
  });

  test("ingest: s2graph json: the /:serviceName/:columnName route names the column for every element", () => {
    const result = decodeVertexJson(body([{ id: "about", props: { title: "About us" }, timestamp: 4 }, { id: 5, serviceName: "other", columnName: "other" }]), { ...base, op: "insert", serviceName: "s1", columnName: "page" });
    expect(result.rows.map((r) => (r.ok ? r.mutation : r.code))).toEqual([
      { kind: "vertex", op: "insert", id: expect.any(String), ts: 4, service: "s1", column: "page", vertexId: "about", props: { title: "About us" } },
      { kind: "vertex", op: "insert", id: expect.any(String), ts: 777, service: "s1", column: "page", vertexId: "5", props: {} },
    ]);
  });

  test("ingest: s2graph json: vertex delete ignores props", () => {
    const result = decodeVertexJson(body([{ timestamp: 1, serviceName: "s1", columnName: "user_id", id: 1, props: { bogus: 1 } }]), { ...base, op: "delete" });
    expect(result.rows[0]).toMatchObject({ ok: true, mutation: { op: "delete", props: {} } });
  });
});
