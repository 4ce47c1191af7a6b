import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Edgeflow } from "./index.ts";
import { call, openTestEdgeflow } from "../../test/support/app.ts";

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
