import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { gzipSync } from "fflate";
import { decodeMutation } from "../../lib/index.ts";
import type { Edgeflow } from "../index.ts";
import { call, openTestEdgeflow } from "../../../test/support/app.ts";

let ef: Edgeflow;
let tokenA = "";
let tokenB = "";

const labelDef = (label: string, service: string) => ({
  label,
  srcServiceName: service,
  srcColumnName: "user_id",
  srcColumnType: "long",
  tgtServiceName: service,
  tgtColumnName: "item_id",
  tgtColumnType: "string",
  props: [
    { name: "weight", dataType: "double", defaultValue: 0 },
    { name: "tag", dataType: "string", defaultValue: "" },
  ],
});

beforeAll(async () => {
  ef = await openTestEdgeflow({ serviceRowsPerSecond: 50, serviceRequestsPerSecond: 1000 });
  tokenA = (await call(ef, "POST", "/graphs/createService", { body: { serviceName: "svc_a" } })).body.accessToken;
  tokenB = (await call(ef, "POST", "/graphs/createService", { body: { serviceName: "svc_b" } })).body.accessToken;
  await call(ef, "POST", "/graphs/createLabel", { body: labelDef("views_a", "svc_a") });
  await call(ef, "POST", "/graphs/createLabel", { body: labelDef("views_b", "svc_b") });
  await call(ef, "POST", "/graphs/createServiceColumn", { body: { serviceName: "svc_a", columnName: "user", columnType: "long", props: [{ name: "age", dataType: "integer" }] } });
});
afterAll(async () => {
  await ef.close();
});

function records(from: number) {
  const cursor = ef.ingestLog.mutations.openCursor(from);
  const out = cursor.read({ recordCountMax: 10_000 }).map((r) => decodeMutation(r.payload));
  cursor.close();
  return out;
}

describe("mutation endpoints", () => {
  test("mutate: S2Graph edge insert answers one boolean per element and writes the WAL", async () => {
    const before = ef.ingestLog.mutations.lastSeq;
    const r = await call(ef, "POST", "/graphs/edges/insert", {
      body: [
        { timestamp: 1, from: 1, to: "a", label: "views_a", props: { weight: 0.5 } },
        { timestamp: 2, from: 1, tos: ["b", "c"], label: "views_a" },
      ],
    });
    expect(r.status).toBe(200);
    expect(r.body).toEqual([true, true]);
    const written = records(before + 1);
    expect(written.map((m) => (m.kind === "edge" && m.op !== "deleteAll" ? m.to : null))).toEqual(["a", "b", "c"]);
    expect(written[0]).toMatchObject({ kind: "edge", op: "insert", label: "views_a", from: 1, ts: 1, service: "svc_a", props: { weight: 0.5 } });
  });

  test("mutate: a bad element is false, explained in a header and quarantined; the rest is written", async () => {
    const qBefore = ef.ingestLog.quarantine.lastSeq;
    const r = await call(ef, "POST", "/graphs/edges/insertWithWait?detail=true", {
      body: [
        { timestamp: 3, from: 1, to: "d", label: "views_a" },
        { timestamp: 4, from: 1, to: "e", label: "views_a", props: { weight: "heavy" } },
        { timestamp: 5, from: 1, to: "f", label: "nope" },
      ],
    });
    expect(r.status).toBe(200);
    expect(r.body.results).toEqual([true, false, false]);
    expect(r.body.errors.map((e: { code: string }) => e.code)).toEqual(["invalid_prop_type", "unknown_label"]);
    expect(JSON.parse(r.headers.get("x-edgeflow-errors") ?? "[]").length).toBe(2);
    expect(ef.ingestLog.quarantine.lastSeq).toBe(qBefore + 2);
  });

  test("mutate: a body that is not a JSON array is a 400, and is quarantined too", async () => {
    const qBefore = ef.ingestLog.quarantine.lastSeq;
    const r = await call(ef, "POST", "/graphs/edges/insert", { rawBody: "{not json", headers: { "content-type": "application/json" } });
    expect(r.status).toBe(400);
    expect(r.body.code).toBe("invalid_json");
    expect(ef.ingestLog.quarantine.lastSeq).toBe(qBefore + 1);
  });

  test("mutate: native NDJSON answers accepted/rejected with line numbers, async is 202", async () => {
    const body = [
      JSON.stringify({ timestamp: 10, from: 2, to: "x", label: "views_a", op: "insert" }),
      "",
      "{broken",
      JSON.stringify({ timestamp: 11, from: 2, to: "y", label: "views_a", op: "delete" }),
    ].join("\n");
    const durable = await call(ef, "POST", "/v1/mutate", { rawBody: body, headers: { "content-type": "application/x-ndjson" } });
    expect(durable.status).toBe(200);
    expect(durable.body).toMatchObject({ accepted: 2, rejected: 1 });
    expect(durable.body.errors[0]).toMatchObject({ line: 3, code: "invalid_json" });
    const queued = await call(ef, "POST", "/v1/mutate?wait=async", { rawBody: body, headers: { "content-type": "application/x-ndjson" } });
    expect(queued.status).toBe(202);
    const bad = await call(ef, "POST", "/v1/mutate?wait=later", { rawBody: body });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe("invalid_wait");
  });

  test("mutate: gzip bodies are accepted", async () => {
    const lines = Array.from({ length: 20 }, (_, i) => JSON.stringify({ timestamp: 100 + i, from: 3, to: `g${i}`, label: "views_a" })).join("\n");
    const response = await ef.app.request("/v1/mutate?wait=durable", {
      method: "POST",
      headers: { authorization: "Bearer test-admin-token", "content-type": "application/x-ndjson", "content-encoding": "gzip" },
      body: gzipSync(new TextEncoder().encode(lines)),
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { accepted: number }).accepted).toBe(20);
  });

  test("mutate: S2Graph TSV bulk mixes edges and vertices", async () => {
    const before = ef.ingestLog.mutations.lastSeq;
    const tsv = ["20\tinsert\te\t5\tz\tviews_a\t{\"weight\":1.5}", "21\tinsert\tv\t7\tsvc_a\tuser\t{\"age\":30}", "22\ti\te\t5"].join("\n");
    const r = await call(ef, "POST", "/graphs/edges/bulk", { rawBody: tsv, headers: { "content-type": "text/plain" } });
    expect(r.body).toEqual([true, true, false]);
    expect(records(before + 1).map((m) => m.kind)).toEqual(["edge", "vertex"]);
  });

  test("mutate: vertices by the column path form", async () => {
    const r = await call(ef, "POST", "/graphs/vertices/insert/svc_a/user", { body: [{ id: 8, timestamp: 30, props: { age: 41 } }] });
    expect(r.body).toEqual([true]);
    const bad = await call(ef, "POST", "/mutate/vertex/insert/svc_a/nope", { body: [{ id: 8, timestamp: 30 }] });
    expect(bad.body).toEqual([false]);
  });

  test("mutate: a service token writes its own labels and gets 403 for another tenant's, writing nothing", async () => {
    const own = await call(ef, "POST", "/graphs/edges/insert", { token: tokenA, body: [{ timestamp: 40, from: 1, to: "a", label: "views_a" }] });
    expect(own.status).toBe(200);
    const before = ef.ingestLog.mutations.lastSeq;
    const other = await call(ef, "POST", "/graphs/edges/insert", {
      token: tokenA,
      body: [
        { timestamp: 41, from: 1, to: "a", label: "views_a" },
        { timestamp: 41, from: 1, to: "a", label: "views_b" },
      ],
    });
    expect(other.status).toBe(403);
    expect(other.body.code).toBe("other_tenant");
    expect(ef.ingestLog.mutations.lastSeq).toBe(before);
    const vertexOther = await call(ef, "POST", "/graphs/vertices/insert", { token: tokenB, body: [{ serviceName: "svc_a", columnName: "user", id: 1, timestamp: 1 }] });
    expect(vertexOther.status).toBe(403);
  });

  test("mutate: a tenant over its rows/s quota gets 429 with Retry-After; another tenant is unaffected", async () => {
    const many = Array.from({ length: 40 }, (_, i) => ({ timestamp: 50 + i, from: 1, to: `q${i}`, label: "views_b" }));
    const first = await call(ef, "POST", "/graphs/edges/insert", { token: tokenB, body: many });
    expect(first.status).toBe(200);
    expect(first.headers.get("ratelimit-limit")).toBe("50");
    const second = await call(ef, "POST", "/graphs/edges/insert", { token: tokenB, body: many });
    expect(second.status).toBe(429);
    expect(Number(second.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    const otherTenant = await call(ef, "POST", "/graphs/edges/insert", { token: tokenA, body: [{ timestamp: 1, from: 1, to: "a", label: "views_a" }] });
    expect(otherTenant.status).toBe(200);
  });

  test("mutate: no token is a 401 on every mutation path", async () => {
    for (const path of ["/graphs/edges/insert", "/mutate/edge/insert", "/v1/mutate", "/graphs/vertices/insert"]) {
      expect((await call(ef, "POST", path, { token: null, body: [] })).status).toBe(401);
    }
  });

  test("mutate: ingest metrics count rows by label and result", async () => {
    const text = await ef.metrics.registry.metrics();
    expect(text).toMatch(/edgeflow_ingest_rows_total\{label="views_a",result="accepted"\} \d+/);
    expect(text).toContain("edgeflow_quarantine_rows_total");
    expect(text).toMatch(/edgeflow_wal_segments\{log="mutations"\} 1/);
    expect(text).toContain("edgeflow_wal_fsync_duration_seconds_bucket");
  });
});
