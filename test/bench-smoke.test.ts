import { expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";

test("bench: every benchmark runs at smoke size and prints its ratios", () => {
  const root = resolve(import.meta.dir, "..");
  const r = spawnSync(process.execPath, ["bench/index.ts", "--smoke"], { cwd: root, encoding: "utf8", timeout: 300_000 });
  if (r.status !== 0) console.error(r.stdout, r.stderr);
  expect(r.status).toBe(0);
  for (const name of ["wal", "ingest-decode", "ingest-http", "e2e", "get-edges", "store"]) expect(r.stdout).toContain(`== ${name} (smoke)`);
  expect(r.stdout).toMatch(/ratio/);
}, 300_000);
