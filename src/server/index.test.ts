import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import type { Edgeflow } from "./index.ts";
import { call, openTestEdgeflow } from "../../test/support/app.ts";
import { uniqueDatabaseName } from "../../test/support/clickhouse-server.ts";
import { tempDir } from "../../test/support/tmp.ts";

let ef: Edgeflow;
beforeAll(async () => {
  ef = await openTestEdgeflow();
});
afterAll(async () => {
  await ef.close();
});

describe("operations endpoints", () => {
  test("server: /healthz answers without a token", async () => {
    const r = await call(ef, "GET", "/healthz", { token: null });
    expect(r.status).toBe(200);
    expect(r.body.status).toBe("ok");
  });

  test("server: /readyz reports the store ready", async () => {
    const r = await call(ef, "GET", "/readyz", { token: null });
    expect(r.status).toBe(200);
    expect(r.body.status).toBe("ready");
    expect(r.body.checks.store.ready).toBe(true);
  });

  test("server: every request gets a request id, the caller's when sane", async () => {
    const mine = await call(ef, "GET", "/healthz", { headers: { "x-request-id": "abc-123" } });
    expect(mine.headers.get("x-request-id")).toBe("abc-123");
    const bad = await call(ef, "GET", "/healthz", { headers: { "x-request-id": "no spaces allowed" } });
    expect(bad.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  test("server: an unknown route is a JSON 404", async () => {
    const r = await call(ef, "GET", "/nope", { token: null });
    expect(r.status).toBe(404);
    expect(r.body.code).toBe("no_such_route");
  });

  test("server: /openapi.json documents every mounted route", async () => {
    const r = await call(ef, "GET", "/openapi.json", { token: null });
    expect(r.status).toBe(200);
    expect(r.body.openapi).toBe("3.0.3");
    const documented = new Set<string>();
    for (const [path, item] of Object.entries(r.body.paths as Record<string, Record<string, unknown>>)) {
      for (const method of Object.keys(item)) documented.add(`${method.toUpperCase()} ${path}`);
    }
    const mounted = ef.app.routes
      .filter((route) => route.method !== "ALL")
      .map((route) => `${route.method} ${route.path.replace(/:([A-Za-z0-9_]+)/g, "{$1}")}`);
    expect(mounted.length).toBeGreaterThan(20);
    for (const route of mounted) expect(documented.has(route) ? route : `undocumented: ${route}`).toBe(route);
  });

  test("server: /docs renders the document for people", async () => {
    const r = await ef.app.request("/docs");
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toContain("text/html");
    expect(await r.text()).toContain("openapi.json");
  });
});

test("server: with --wal-dir the WAL lives there, not in the data dir, and a restart reads it back from there", async () => {
  const dataDir = tempDir();
  const walDir = tempDir();
  const config = { dataDir, walDir, clickhouseDatabase: uniqueDatabaseName("waldir") };
  const first = await openTestEdgeflow(config);
  let lastSeq = 0;
  try {
    await call(first, "POST", "/graphs/createService", { body: { serviceName: "wd" } });
    const label = { label: "wd_view", srcServiceName: "wd", srcColumnName: "u", srcColumnType: "long", tgtServiceName: "wd", tgtColumnName: "i", tgtColumnType: "long", props: [] };
    expect((await call(first, "POST", "/graphs/createLabel", { body: label })).status).toBe(200);
    const lines = [1, 2, 3].map((i) => JSON.stringify({ timestamp: i, from: i, to: i + 1, label: "wd_view" })).join("\n");
    const r = await call(first, "POST", "/v1/mutate?wait=durable", { rawBody: lines, headers: { "content-type": "application/x-ndjson" } });
    expect(r.body).toMatchObject({ accepted: 3, rejected: 0 });
    lastSeq = first.ingestLog.mutations.lastSeq;
    expect(lastSeq).toBeGreaterThanOrEqual(3);
  } finally {
    await first.close();
  }
  expect(fs.readdirSync(path.join(walDir, "wal")).some((name) => name.endsWith(".wal"))).toBe(true);
  expect(fs.existsSync(path.join(walDir, "quarantine"))).toBe(true);
  expect(fs.existsSync(path.join(dataDir, "wal"))).toBe(false);
  const again = await openTestEdgeflow(config);
  try {
    expect(again.ingestLog.mutations.lastSeq).toBe(lastSeq);
  } finally {
    await again.close();
  }
});
