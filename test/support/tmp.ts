/** Temporary folders for tests, removed when the test file is done. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll } from "bun:test";

const made: string[] = [];

export function tempDir(prefix = "edgeflow-test-"): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

afterAll(() => {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

// Re-exported so the tests that import it from here keep working; it lives in wait.ts so
// benches can use it without importing bun:test.
export { waitFor } from "./wait.ts";
