/**
 * The compiled binary, end to end: `bun run build` produces `dist/edgeflow`, and that file runs
 * on its own, from a directory outside the repository, with chDB found through
 * `EDGEFLOW_CHDB_MODULE` and lmdb's native addon embedded in it; and in remote-ClickHouse mode
 * a copy of it runs alone, with no node_modules anywhere above it.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, copyFileSync, existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { binaryBytesMax } from "../../scripts/build.ts";
import { sharedClickHouse, uniqueDatabaseName } from "../support/clickhouse-server.ts";
import { checkQuickstartOutput, runQuickstart } from "../support/quickstart.ts";
import { tempDir } from "../support/tmp.ts";
import { binaryCommand, projectRoot, spawnServer } from "./spawn-server.ts";

const binaryPath = join(projectRoot, "dist", "edgeflow");
const chdbModuleDir = join(projectRoot, "node_modules", "chdb");
const buildTimeoutMs = 240_000;

/** Runs the binary from a directory outside the repository, so no node_modules is in reach. */
function runBinary(args: string[]): { exitCode: number; stdout: string; stderr: string } {
  const result = Bun.spawnSync({ cmd: [binaryPath, ...args], cwd: tempDir("edgeflow-bin-cwd-"), timeout: 30_000 });
  return { exitCode: result.exitCode, stdout: result.stdout.toString(), stderr: result.stderr.toString() };
}

beforeAll(() => {
  const build = Bun.spawnSync({
    cmd: [process.execPath, join(projectRoot, "scripts", "build.ts")],
    cwd: projectRoot,
    timeout: buildTimeoutMs,
  });
  if (build.exitCode !== 0) {
    throw new Error(`bun run build failed (${build.exitCode}):\n${build.stdout}\n${build.stderr}`);
  }
}, buildTimeoutMs + 10_000);

describe("binary", () => {
  test("binary: bun run build writes dist/edgeflow without chDB inside", () => {
    expect(existsSync(binaryPath)).toBe(true);
    expect(statSync(binaryPath).size).toBeLessThan(binaryBytesMax);
  });

  test("binary: version prints the version from package.json and exits 0", () => {
    const { version } = JSON.parse(readFileSync(join(projectRoot, "package.json"), "utf8")) as { version: string };
    const result = runBinary(["version"]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain(version);
  });

  test("binary: --help exits 0", () => {
    const result = runBinary(["--help"]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout.length).toBeGreaterThan(0);
  });

  test("binary: an unknown flag exits 2 with one line on stderr", () => {
    const result = runBinary(["--no-such-flag"]);
    expect(result.exitCode).toBe(2);
    const lines = result.stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]!.length).toBeGreaterThan(0);
  });

  test("binary: serve from outside the repo logs listening, runs the README quickstart, exits 0 on SIGTERM", async () => {
    const server = await spawnServer({
      command: binaryCommand(binaryPath),
      args: ["serve", "--port", "0", "--data-dir", tempDir("edgeflow-bin-data-")],
      cwd: tempDir("edgeflow-bin-cwd-"),
      env: { EDGEFLOW_CHDB_MODULE: chdbModuleDir },
      listenTimeoutMs: 60_000,
    });
    try {
      expect(server.port).toBeGreaterThan(0);
      const response = await fetch(`${server.url}/healthz`);
      expect(response.status).toBe(200);
      // The README's quickstart, verbatim, against the binary (its generated admin token from the log).
      const tokenLine = await server.waitForLine((l) => l.includes("adminToken"));
      const admin = (JSON.parse(tokenLine) as { adminToken: string }).adminToken;
      expect(checkQuickstartOutput(runQuickstart(server.url, admin))).toEqual([]);
    } finally {
      const exit = await server.stop(15_000);
      expect(exit).toEqual({ exitCode: 0, signalCode: null });
    }
  }, 90_000);

  test("binary: with --clickhouse-url a lone copy of the binary needs nothing beside it", async () => {
    const { url } = await sharedClickHouse();
    const aloneDir = tempDir("edgeflow-bin-alone-");
    const aloneBinary = join(aloneDir, "edgeflow");
    copyFileSync(binaryPath, aloneBinary);
    chmodSync(aloneBinary, 0o755);
    const server = await spawnServer({
      command: binaryCommand(aloneBinary),
      args: ["serve", "--port", "0", "--data-dir", join(aloneDir, "data"), "--clickhouse-url", url,
        "--clickhouse-database", uniqueDatabaseName("binary")],
      cwd: aloneDir,
      env: { EDGEFLOW_CHDB_MODULE: undefined },
      listenTimeoutMs: 60_000,
    });
    try {
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
      expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    } finally {
      const exit = await server.stop(15_000);
      expect(exit).toEqual({ exitCode: 0, signalCode: null });
    }
  }, 90_000);
});
