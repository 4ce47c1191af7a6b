import { describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { projectRoot, sourceCommand, spawnServer } from "../binary/spawn-server.ts";
import { tempDir } from "../support/tmp.ts";
import { waitFor } from "../support/wait.ts";
import packageJson from "../../package.json" with { type: "json" };

function cli(args: string[], env: Record<string, string> = {}) {
  const [bin, ...rest] = sourceCommand();
  return spawnSync(bin ?? process.execPath, [...rest, ...args], { encoding: "utf8", env: { ...process.env, ...env }, timeout: 30_000 });
}

async function json(url: string, init: RequestInit = {}): Promise<{ status: number; body: any }> {
  const r = await fetch(url, init);
  return { status: r.status, body: await r.json() };
}

describe("cli", () => {
  test("cli: version prints the package version", () => {
    const r = cli(["version"]);
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(packageJson.version);
  });

  test("cli: --help lists the flags", () => {
    const r = cli(["--help"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("--clickhouse-url");
  });

  test.each([[["--bogus"]], [["--port", "x"]], [["launch"]]])("cli: %p exits 2 with one line on stderr", (args) => {
    const r = cli(args);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split("\n").length).toBe(1);
    expect(r.stderr).toStartWith("edgeflow: ");
  });

  test("cli: a bad environment value exits 2 too", () => {
    const r = cli([], { EDGEFLOW_LOG_LEVEL: "shouty" });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("EDGEFLOW_LOG_LEVEL");
  });

  test("cli: npm's start script takes flags (bun run start -- --port 0 --data-dir DIR)", async () => {
    const dataDir = tempDir();
    const server = await spawnServer({
      command: [process.execPath, "run", "--cwd", projectRoot, "start", "--"],
      args: ["--port", "0", "--host", "127.0.0.1", "--data-dir", dataDir, "--admin-token", "t"],
    });
    expect((await json(`${server.url}/healthz`)).status).toBe(200);
    expect(server.stdoutLines.some((l) => l.includes(`"dataDir":"${dataDir}"`))).toBe(true);
    await server.stop();
  });

  test("cli: a generated admin token is printed once, and the registry survives a restart", async () => {
    const dataDir = tempDir();
    const args = ["serve", "--port", "0", "--host", "127.0.0.1", "--data-dir", dataDir];
    const first = await spawnServer({ args, env: { EDGEFLOW_ADMIN_TOKEN: undefined } });
    const tokenLine = await first.waitForLine((l) => l.includes("adminToken"));
    const admin = JSON.parse(tokenLine ?? "{}").adminToken as string;
    const auth = { authorization: `Bearer ${admin}`, "content-type": "application/json" };
    const service = await json(`${first.url}/graphs/createService`, { method: "POST", headers: auth, body: JSON.stringify({ serviceName: "kakao" }) });
    expect(service.status).toBe(200);
    const label = await json(`${first.url}/graphs/createLabel`, {
      method: "POST",
      headers: auth,
      body: JSON.stringify({ label: "friends", srcServiceName: "kakao", srcColumnName: "user_id", srcColumnType: "long", tgtServiceName: "kakao", tgtColumnName: "user_id", tgtColumnType: "long" }),
    });
    expect(label.status).toBe(200);
    expect((await first.stop()).exitCode).toBe(0);

    const second = await spawnServer({ args, env: { EDGEFLOW_ADMIN_TOKEN: undefined } });
    const again = await json(`${second.url}/graphs/getLabel/friends`, { headers: auth });
    expect(again.status).toBe(200);
    expect(again.body.labelName).toBe("friends");
    // The service's token is still known after the restart: it gets 403 (not 401) on an admin call.
    const asService = await fetch(`${second.url}/graphs/getService/kakao`, { headers: { authorization: `Bearer ${service.body.accessToken}` } });
    expect(asService.status).toBe(403);
    expect((await second.stop()).exitCode).toBe(0);
    // Printed once: the second start, which found the stored hash, never logged a token.
    expect(second.stdoutLines.some((l) => l.includes("adminToken"))).toBe(false);
    expect(first.stdoutLines.filter((l) => l.includes("adminToken")).length).toBe(1);
  });

  test("cli: SIGTERM lets an in-flight request finish, then exits 0", async () => {
    const server = await spawnServer({ args: ["serve", "--port", "0", "--host", "127.0.0.1", "--data-dir", tempDir(), "--admin-token", "t"] });
    const h = { authorization: "Bearer t", "content-type": "application/json" };
    await fetch(`${server.url}/graphs/createService`, { method: "POST", headers: h, body: JSON.stringify({ serviceName: "s" }) });
    await fetch(`${server.url}/graphs/createLabel`, {
      method: "POST",
      headers: h,
      body: JSON.stringify({ label: "l", srcServiceName: "s", srcColumnName: "a", srcColumnType: "long", tgtServiceName: "s", tgtColumnName: "b", tgtColumnType: "long" }),
    });
    const lines = Array.from({ length: 50_000 }, (_, i) => JSON.stringify({ timestamp: i, from: i % 100, to: i, label: "l" })).join("\n");
    // wait=visible answers only after the sink has written the rows: the request is in flight for a while.
    const inFlight = fetch(`${server.url}/v1/mutate?wait=visible`, { method: "POST", headers: { ...h, "content-type": "application/x-ndjson" }, body: lines });
    // In flight: its rows are in the WAL, and it now waits for them to become visible.
    await waitFor(async () => ((await (await fetch(`${server.url}/v1/stats`, { headers: h })).json()) as { wal: { lastSeq: number } }).wal.lastSeq >= 50_000, "rows in the WAL");
    const exit = server.stop(30_000);
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(((await response.json()) as { accepted: number }).accepted).toBe(50_000);
    expect((await exit).exitCode).toBe(0);
  }, 60_000);
});

