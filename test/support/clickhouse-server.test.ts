import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { startClickHouseServer, freePorts, type ClickHouseServer } from "./clickhouse-server.ts";

async function pingStatus(url: string): Promise<string> {
  try {
    const response = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(2000) });
    return `${response.status} ${(await response.text()).trim()}`;
  } catch (error) {
    return `error: ${(error as Error).message}`;
  }
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("clickhouse-server harness", () => {
  let server: ClickHouseServer;

  beforeAll(async () => {
    server = await startClickHouseServer();
  }, 60_000);

  afterAll(async () => {
    await server?.dispose();
  }, 60_000);

  test("harness: free ports are distinct loopback ports", async () => {
    const ports = await freePorts(3);
    expect(new Set(ports).size).toBe(3);
    for (const port of ports) expect(port).toBeGreaterThan(0);
  });

  test("harness: a started server answers /ping and reports 18.16 or later on its own ports", async () => {
    expect(await pingStatus(server.url)).toBe("200 Ok.");
    expect(server.url).toBe(`http://127.0.0.1:${server.httpPort}`);
    expect(new Set([server.httpPort, server.tcpPort, server.interserverPort]).size).toBe(3);
    const response = await fetch(`${server.url}/`, { method: "POST", body: "SELECT version()" });
    expect(response.status).toBe(200);
    expect((await response.text()).trim()).toMatch(/^\d+\.\d+\./);
    expect(existsSync(`${server.dataDir}/metadata`)).toBe(true);
  });

  test("harness: stop() ends the process, and restart() brings it back on the same port with its data", async () => {
    await fetch(`${server.url}/`, { method: "POST", body: "CREATE TABLE default.kept (x UInt8) ENGINE = TinyLog" });
    await fetch(`${server.url}/`, { method: "POST", body: "INSERT INTO default.kept VALUES (7)" });
    const firstPid = server.pid;
    await server.stop();
    expect(server.running).toBe(false);
    expect(processExists(firstPid)).toBe(false);
    expect(await pingStatus(server.url)).toStartWith("error:");

    await server.restart();
    expect(server.running).toBe(true);
    expect(server.pid).not.toBe(firstPid);
    expect(await pingStatus(server.url)).toBe("200 Ok.");
    const response = await fetch(`${server.url}/`, { method: "POST", body: "SELECT x FROM default.kept" });
    expect((await response.text()).trim()).toBe("7");
  }, 60_000);

  test("harness: kill9() kills the process at once and restart() recovers", async () => {
    const pid = server.pid;
    await server.kill9();
    expect(processExists(pid)).toBe(false);
    expect(await pingStatus(server.url)).toStartWith("error:");
    await server.restart();
    expect(await pingStatus(server.url)).toBe("200 Ok.");
  }, 60_000);
});

test("harness: a missing binary is a clear error, not a skip", async () => {
  await expect(startClickHouseServer({ binary: "/nonexistent/clickhouse-server" })).rejects.toThrow(
    /ClickHouse server binary not found at \/nonexistent\/clickhouse-server/,
  );
});
