/**
 * Loads the chDB native module (the embedded ClickHouse engine).
 *
 * chDB's shared library is over 500 MiB, so it is never bundled into the compiled binary;
 * it is loaded at run time from an installed `node_modules`. When running from source this is
 * simply the project's own dependency.
 */
import { createRequire } from "node:module";

export type ChdbModule = typeof import("chdb");

let cached: ChdbModule | undefined;

export function loadChdb(): ChdbModule {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  cached = require("chdb") as ChdbModule;
  return cached;
}
