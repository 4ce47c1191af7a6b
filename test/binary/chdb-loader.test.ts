/**
 * Where `loadChdb()` looks for chDB, checked without compiling (the compiled behaviour itself is
 * in `compiled-modules.test.ts`).
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { chdbSearchDirs, isCompiledBinary, loadChdbFrom } from "../../src/lib/chdb-loader.ts";
import { projectRoot } from "./spawn-server.ts";

describe("chdb loader", () => {
  test("chdb loader: a compiled binary searches beside the binary upwards, then the cwd upwards", () => {
    const dirs = chdbSearchDirs({ execPath: "/opt/edgeflow/bin/edgeflow", cwd: "/srv/app" });
    expect(dirs).toEqual([
      "/opt/edgeflow/bin/node_modules/chdb",
      "/opt/edgeflow/node_modules/chdb",
      "/opt/node_modules/chdb",
      "/node_modules/chdb",
      "/srv/app/node_modules/chdb",
      "/srv/node_modules/chdb",
    ]);
  });

  test("chdb loader: module paths under /$bunfs/ mark a compiled binary", () => {
    expect(isCompiledBinary("/$bunfs/root/edgeflow")).toBe(true);
    expect(isCompiledBinary(join(projectRoot, "src", "lib", "chdb-loader.ts"))).toBe(false);
  });

  test("chdb loader: from source, chdb resolves as a normal dependency", () => {
    const chdb = loadChdbFrom({ envValue: undefined, compiled: false, execPath: process.execPath, cwd: "/" });
    expect(typeof chdb.Session).toBe("function");
  });

  test("chdb loader: a relative EDGEFLOW_CHDB_MODULE is taken from the working directory", () => {
    const chdb = loadChdbFrom({ envValue: "node_modules/chdb", compiled: true, execPath: "/nowhere/edgeflow", cwd: projectRoot });
    expect(typeof chdb.Session).toBe("function");
  });

  test("chdb loader: not found names the environment variable, every directory and the fixes", () => {
    const load = () => loadChdbFrom({ envValue: undefined, compiled: true, execPath: "/nowhere/bin/edgeflow", cwd: "/nowhere/cwd" });
    expect(load).toThrow(/EDGEFLOW_CHDB_MODULE is not set/);
    expect(load).toThrow("/nowhere/bin/node_modules/chdb, /nowhere/node_modules/chdb, /node_modules/chdb, /nowhere/cwd/node_modules/chdb.");
    expect(load).toThrow(/npm install chdb.*--clickhouse-url/);
  });
});
