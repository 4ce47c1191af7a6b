/**
 * The two native dependencies inside a compiled binary, tested without the CLI: small entries
 * (kept in memory, never written into the repository) are compiled with the real build
 * (`buildBinary`, same plugin, same externals) and run from directories outside the repository.
 *
 * - lmdb is embedded: the binary opens an environment, writes and reads back a compressed value
 *   (which needs lmdb's inlined dictionary) with no node_modules in reach.
 * - chDB is not embedded: the binary finds it through `EDGEFLOW_CHDB_MODULE`, through a
 *   `node_modules` beside the binary, and otherwise fails with a message naming where it looked.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { buildBinary } from "../../scripts/build.ts";
import { projectRoot } from "./spawn-server.ts";

const buildTimeoutMs = 120_000;
const workDir = mkdtempSync(join(tmpdir(), "edgeflow-compiled-"));
const outsideCwd = join(workDir, "cwd");
const lmdbBinary = join(workDir, "lmdb-smoke");
/** The binary sits in `<dir>/bin/`, beside a `<dir>/node_modules` that links to the project's. */
const chdbBinary = join(workDir, "with-node-modules", "bin", "chdb-smoke");
/** A copy of the same binary with no node_modules in its directory or any parent. */
const aloneBinary = join(workDir, "alone", "chdb-smoke");

const lmdbEntry = `
import { open } from "lmdb";
import { mkdtempSync } from "node:fs";
import { join } from "node:path";
const db = open({ path: mkdtempSync(join(process.argv[2], "lmdb-")), compression: true });
const value = { text: "edgeflow ".repeat(500), n: 42 };
await db.put("key", value);
const back = db.get("key");
await db.close();
console.log(JSON.stringify({ same: JSON.stringify(back) === JSON.stringify(value) }));
`;

const chdbEntry = `
import { loadChdb } from "${join(projectRoot, "src", "lib", "chdb-loader.ts")}";
import { mkdtempSync } from "node:fs";
import { join } from "node:path";
try {
  const { Session } = loadChdb();
  const session = new Session(mkdtempSync(join(process.argv[2], "chdb-")));
  const result = await session.queryAsync("SELECT 1 AS one", { format: "JSONEachRow" });
  session.close();
  console.log(result.text().trim());
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(3);
}
`;

function run(binary: string, env: Record<string, string | undefined> = {}) {
  const merged = Object.entries({ ...process.env, ...env }).filter((e): e is [string, string] => e[1] !== undefined);
  const result = Bun.spawnSync({
    cmd: [binary, workDir],
    cwd: outsideCwd,
    env: Object.fromEntries(merged),
    timeout: 60_000,
  });
  return { exitCode: result.exitCode, stdout: result.stdout.toString().trim(), stderr: result.stderr.toString() };
}

beforeAll(async () => {
  mkdirSync(outsideCwd);
  mkdirSync(join(workDir, "with-node-modules", "bin"), { recursive: true });
  symlinkSync(join(projectRoot, "node_modules"), join(workDir, "with-node-modules", "node_modules"));
  // Virtual entries live (in memory) under test/binary so they resolve the project's packages.
  const lmdbPath = join(projectRoot, "test", "binary", "__lmdb-smoke-entry.ts");
  const chdbPath = join(projectRoot, "test", "binary", "__chdb-smoke-entry.ts");
  await buildBinary({ entry: lmdbPath, outfile: lmdbBinary, files: { [lmdbPath]: lmdbEntry } });
  await buildBinary({ entry: chdbPath, outfile: chdbBinary, files: { [chdbPath]: chdbEntry } });
  mkdirSync(dirname(aloneBinary));
  copyFileSync(chdbBinary, aloneBinary);
  chmodSync(aloneBinary, 0o755);
}, buildTimeoutMs);

afterAll(() => {
  rmSync(workDir, { recursive: true, force: true });
});

describe("compiled modules", () => {
  test("binary: lmdb puts and gets a compressed value with no node_modules in reach", () => {
    const result = run(lmdbBinary);
    expect(result.stderr).toBe("");
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe(JSON.stringify({ same: true }));
  });

  test("binary: chdb is found through EDGEFLOW_CHDB_MODULE", () => {
    const result = run(aloneBinary, { EDGEFLOW_CHDB_MODULE: join(projectRoot, "node_modules", "chdb") });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe('{"one":1}');
  }, 60_000);

  test("binary: chdb is found in node_modules beside the binary's directory", () => {
    const result = run(chdbBinary, { EDGEFLOW_CHDB_MODULE: undefined });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe('{"one":1}');
  }, 60_000);

  test("binary: without chdb, the error names every place searched and how to fix it", () => {
    const result = run(aloneBinary, { EDGEFLOW_CHDB_MODULE: undefined });
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toContain(join(workDir, "alone", "node_modules", "chdb"));
    expect(result.stderr).toContain(join(outsideCwd, "node_modules", "chdb"));
    expect(result.stderr).toContain("/node_modules/chdb.");
    expect(result.stderr).toContain("npm install chdb");
    expect(result.stderr).toContain("EDGEFLOW_CHDB_MODULE");
    expect(result.stderr).toContain("--clickhouse-url");
  });

  test("binary: a wrong EDGEFLOW_CHDB_MODULE is an error, not skipped", () => {
    const result = run(chdbBinary, { EDGEFLOW_CHDB_MODULE: join(workDir, "missing") });
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toContain(`EDGEFLOW_CHDB_MODULE=${join(workDir, "missing")} is not a chdb package`);
  });
});
