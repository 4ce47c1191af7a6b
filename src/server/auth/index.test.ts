import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Edgeflow } from "../index.ts";
import { adminToken, call, openTestEdgeflow } from "../../../test/support/app.ts";
import { bearerToken, generateToken, hashToken } from "./index.ts";

let ef: Edgeflow;
let tokenA = "";
beforeAll(async () => {
  ef = await openTestEdgeflow();
  tokenA = (await call(ef, "POST", "/graphs/createService", { body: { serviceName: "tenant_a" } })).body.accessToken;
});
afterAll(async () => {
  await ef.close();
});

describe("auth", () => {
  test("auth: tokens are 256 random bits and stored only as hashes", async () => {
    const t = generateToken("efs");
    expect(Buffer.from(t.slice(4), "base64url").length).toBe(32);
    expect(generateToken("efs")).not.toBe(t);
    const service = ef.registry.service("tenant_a");
    expect(service?.accessTokenHash).toBe(hashToken(tokenA));
    expect(JSON.stringify(service)).not.toContain(tokenA);
  });

  test("auth: bearer header parsing", () => {
    expect(bearerToken("Bearer abc")).toBe("abc");
    expect(bearerToken("bearer abc ")).toBe("abc");
    expect(bearerToken("Basic abc")).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });

  test.each([
    ["no token", null, 401, "missing_token"],
    ["an unknown token", "efs_wrong", 401, "unknown_token"],
    ["a malformed header", "", 401, "missing_token"],
    ["a service token", "SERVICE", 403, "admin_only"],
    ["the admin token", adminToken, 200, undefined],
  ])("auth: an admin call with %s", async (_what, token, status, code) => {
    const r = await call(ef, "GET", "/graphs/getService/tenant_a", { token: token === "SERVICE" ? tokenA : token });
    expect(r.status).toBe(status);
    if (code) expect(r.body.code).toBe(code);
    if (status === 401) expect(r.headers.get("www-authenticate")).toContain("Bearer");
  });

  test("auth: the admin family refuses service tokens too", async () => {
    expect((await call(ef, "POST", "/admin/createService", { token: tokenA, body: { serviceName: "evil" } })).status).toBe(403);
    expect(ef.registry.service("evil")).toBeUndefined();
  });

  test("auth: metrics need the admin token", async () => {
    expect((await call(ef, "GET", "/metrics", { token: null })).status).toBe(401);
    expect((await call(ef, "GET", "/metrics", { token: tokenA })).status).toBe(403);
    const ok = await call(ef, "GET", "/metrics");
    expect(ok.status).toBe(200);
    expect(String(ok.body)).toContain("edgeflow_http_requests_total");
  });
});
