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
