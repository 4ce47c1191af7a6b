/**
 * Loads the chDB native module (the embedded ClickHouse engine).
 *
 * chDB's shared library is over 500 MiB, so it is never bundled into the compiled binary
 * (`scripts/build.ts` marks `chdb` external); it is loaded at run time from an installed
 * `node_modules`. Where it looks, first match wins:
 *
 * 1. `EDGEFLOW_CHDB_MODULE`, if set: the path of a chdb package directory (the folder holding
 *    chdb's `package.json`, e.g. `/opt/edgeflow/node_modules/chdb`). An explicit setting that
 *    does not point at a chdb package is an error, never silently skipped.
 * 2. Running from source (`bun src/cli.ts`): ordinary module resolution of `chdb` from this file,
 *    i.e. the project's own dependency.
 * 3. Running as a compiled binary: `node_modules/chdb` in the binary's directory
 *    (`dirname(process.execPath)`) and then in each parent directory up to the root; so
 *    `npm install chdb` next to the binary is enough.
 * 4. Then `node_modules/chdb` in the current working directory and each of its parents.
 *
 * chDB's own package then finds its platform package (`@chdb/lib-linux-x64-gnu`, ...) by normal
 * resolution from its directory, so that package must be installed beside it (npm does this).
 *
 * A compiled binary is recognised by its module paths: Bun serves a compiled binary's modules
 * from the virtual `/$bunfs/` file system (`B:\~BUN\` on Windows).
 */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { EdgeflowError } from "./errors.ts";

export type ChdbModule = typeof import("chdb");

/** The environment variable that names the chdb package directory explicitly. */
export const chdbModuleEnv = "EDGEFLOW_CHDB_MODULE";

let cached: ChdbModule | undefined;

export function loadChdb(): ChdbModule {
  if (cached) return cached;
  cached = loadChdbFrom({
    envValue: process.env[chdbModuleEnv],
    compiled: isCompiledBinary(import.meta.path),
    execPath: process.execPath,
    cwd: process.cwd(),
  });
  return cached;
}

/** True when `modulePath` (pass `import.meta.path`) belongs to a `bun build --compile` binary. */
export function isCompiledBinary(modulePath: string): boolean {
  return modulePath.startsWith("/$bunfs/") || modulePath.startsWith("B:\\~BUN\\");
}

export interface ChdbSearch {
  /** Value of `EDGEFLOW_CHDB_MODULE`, if set. */
  envValue: string | undefined;
  compiled: boolean;
  execPath: string;
  cwd: string;
}

/**
 * The `node_modules/chdb` directories a compiled binary tries after the environment variable,
 * in order: from the binary's directory upwards, then from the working directory upwards.
 */
export function chdbSearchDirs(search: Pick<ChdbSearch, "execPath" | "cwd">): string[] {
  const dirs: string[] = [];
  for (const start of [dirname(resolve(search.execPath)), resolve(search.cwd)]) {
    for (let dir = start; ; dir = dirname(dir)) {
      const candidate = join(dir, "node_modules", "chdb");
      if (!dirs.includes(candidate)) dirs.push(candidate);
      if (dirname(dir) === dir) break;
    }
  }
  return dirs;
}

/** Loads chdb as `loadChdb()` does, with the inputs passed in so a test can vary them. */
export function loadChdbFrom(search: ChdbSearch): ChdbModule {
  if (search.envValue !== undefined && search.envValue !== "") {
    const dir = resolve(search.cwd, search.envValue);
    if (!isChdbPackage(dir)) throw badEnvError(dir);
    return requireChdbAt(dir);
  }
  if (!search.compiled) {
    return createRequire(import.meta.url)("chdb") as ChdbModule;
  }
  const searched = chdbSearchDirs(search);
  const found = searched.find(isChdbPackage);
  if (found === undefined) throw notFoundError(searched);
  return requireChdbAt(found);
}

function isChdbPackage(dir: string): boolean {
  const packageJsonPath = join(dir, "package.json");
  if (!existsSync(packageJsonPath)) return false;
  try {
    const manifest = JSON.parse(readFileSync(packageJsonPath, "utf8")) as { name?: unknown };
    return manifest.name === "chdb";
  } catch {
    return false;
  }
}

function requireChdbAt(dir: string): ChdbModule {
  // A require rooted in the package itself, so chdb's own `require("@chdb/lib-...")` resolves
  // from its node_modules and not from the binary's virtual file system.
  return createRequire(join(dir, "package.json"))(dir) as ChdbModule;
}

const howToFix =
  "Install chDB where edgeflow can find it (`npm install chdb` in the binary's directory or the " +
  `working directory), or set ${chdbModuleEnv} to the path of an installed chdb package ` +
  "(a node_modules/chdb directory), or use a remote ClickHouse with --clickhouse-url.";

function badEnvError(dir: string): EdgeflowError {
  const hint = isChdbPackage(join(dir, "chdb")) ? ` (did you mean ${join(dir, "chdb")}?)` : "";
  return new EdgeflowError(
    "unavailable",
    "chdb_not_found",
    `${chdbModuleEnv}=${dir} is not a chdb package directory (no package.json named "chdb")${hint}. ${howToFix}`,
    { searched: [dir] },
  );
}

function notFoundError(searched: string[]): EdgeflowError {
  return new EdgeflowError(
    "unavailable",
    "chdb_not_found",
    `chDB (the embedded ClickHouse) is not installed: ${chdbModuleEnv} is not set, and there is no ` +
      `chdb package in any of: ${searched.join(", ")}. ${howToFix}`,
    { searched: [`$${chdbModuleEnv} (not set)`, ...searched] },
  );
}
