/**
 * HTTP hardening against a real server process (RELIABILITY R7): oversized, endless and
 * bomb bodies are cut off with 413, deep nesting is a 400, and the process stays healthy
 * with bounded memory.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Gzip } from "fflate";
import { readFileSync } from "node:fs";
import { spawnServer, type SpawnedServer } from "../binary/spawn-server.ts";
import { tempDir } from "../support/tmp.ts";

let server: SpawnedServer;
const auth = { authorization: "Bearer hard-admin" };

function rssKiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
}

beforeAll(async () => {
  server = await spawnServer({ args: ["serve", "--port", "0", "--host", "127.0.0.1", "--data-dir", tempDir(), "--admin-token", "hard-admin"] });
  const h = { ...auth, "content-type": "application/json" };
  await fetch(`${server.url}/graphs/createService`, { method: "POST", headers: h, body: JSON.stringify({ serviceName: "h" }) });
  await fetch(`${server.url}/graphs/createLabel`, {
    method: "POST",
    headers: h,
    body: JSON.stringify({ label: "ev", srcServiceName: "h", srcColumnName: "u", srcColumnType: "long", tgtServiceName: "h", tgtColumnName: "i", tgtColumnType: "long" }),
  });
});
afterAll(async () => {
  await server?.stop();
});

describe("http hardening", () => {
  test("hardening: a body over the wire limit is a 413", async () => {
    const r = await fetch(`${server.url}/v1/mutate`, { method: "POST", headers: auth, body: new Uint8Array(17 * 1024 * 1024).fill(0x20) });
    expect(r.status).toBe(413);
  });

  test("hardening: an endless chunked body is cut off with 413", async () => {
    let sent = 0;
    const chunk = new Uint8Array(1024 * 1024).fill(0x20);
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        sent += chunk.byteLength;
        if (sent > 1024 * 1024 * 1024) controller.close();
        else controller.enqueue(chunk);
      },
    });
    const r = await fetch(`${server.url}/v1/mutate`, { method: "POST", headers: auth, body: endless, duplex: "half" } as RequestInit);
    expect(r.status).toBe(413);
    expect(sent).toBeLessThan(256 * 1024 * 1024);
  });

  test("hardening: a gzip bomb is cut off with 413 and memory stays bounded", async () => {
    const before = rssKiB(server.pid);
    const parts: Uint8Array[] = [];
    const gz = new Gzip({ level: 1 }, (data) => parts.push(data));
    const zeros = new Uint8Array(16 * 1024 * 1024);
    for (let i = 0; i < 16; i++) gz.push(zeros); // 256 MiB of zeros: four times the 64 MiB cap
    gz.push(new Uint8Array(0), true);
    const body = Buffer.concat(parts);
    const r = await fetch(`${server.url}/v1/mutate`, { method: "POST", headers: { ...auth, "content-encoding": "gzip", "content-type": "application/x-ndjson" }, body });
    expect(r.status).toBe(413);
    expect(rssKiB(server.pid) - before).toBeLessThan(400 * 1024);
  }, 60_000);

  test("hardening: a million-deep JSON array is a 400, not a crash", async () => {
    const deep = "[".repeat(1_000_000) + "]".repeat(1_000_000);
    const r = await fetch(`${server.url}/graphs/edges/insert`, { method: "POST", headers: { ...auth, "content-type": "application/json" }, body: deep });
    expect(r.status).toBe(400);
    const line = `{"timestamp":1,"from":1,"to":2,"label":"ev","props":${"[".repeat(100_000)}${"]".repeat(100_000)}}`;
    const n = await fetch(`${server.url}/v1/mutate`, { method: "POST", headers: { ...auth, "content-type": "application/x-ndjson" }, body: line });
    expect(n.status).toBe(200);
    expect(((await n.json()) as { rejected: number }).rejected).toBe(1);
  }, 30_000);

  test("hardening: 10% bad NDJSON lines are refused by line, the rest accepted", async () => {
    const lines = Array.from({ length: 1000 }, (_, i) => (i % 10 === 3 ? `{"timestamp":"x${i}"` : JSON.stringify({ timestamp: i, from: i, to: i, label: "ev" })));
    const r = await fetch(`${server.url}/v1/mutate`, { method: "POST", headers: { ...auth, "content-type": "application/x-ndjson" }, body: lines.join("\n") });
    const answer = (await r.json()) as { accepted: number; rejected: number; errors: Array<{ line: number }> };
    expect(answer.accepted).toBe(900);
    expect(answer.rejected).toBe(100);
    expect(answer.errors[0]?.line).toBe(4);
  }, 30_000);

  test("hardening: the server is still healthy", async () => {
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });
});
