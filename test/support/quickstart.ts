/**
 * Runs the README's quickstart verbatim against a running server: the shell block between
 * `<!-- quickstart:begin -->` and `<!-- quickstart:end -->`, with `EF` and `ADMIN` set.
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { spawnSync } from "node:child_process";

const projectRoot = resolve(import.meta.dir, "..", "..");

export function quickstartScript(): string {
  const readme = readFileSync(join(projectRoot, "README.md"), "utf8");
  const m = /<!-- quickstart:begin -->\s*```sh\n([\s\S]*?)```\s*<!-- quickstart:end -->/.exec(readme);
  if (!m || !m[1]) throw new Error("README.md has no quickstart block between the quickstart markers");
  return m[1];
}

export interface QuickstartRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function runQuickstart(url: string, adminToken: string): QuickstartRun {
  const r = spawnSync("bash", ["-euo", "pipefail", "-c", quickstartScript()], {
    env: { ...process.env, EF: url, ADMIN: adminToken },
    encoding: "utf8",
    timeout: 120_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** What the quickstart's output must show, checked against the server from source and the binary. */
export function checkQuickstartOutput(run: QuickstartRun): string[] {
  const problems: string[] = [];
  if (run.status !== 0) problems.push(`exit status ${run.status}: ${run.stderr}`);
  for (const expected of ['"accessToken":"efs_', '"labelName":"friends"', '"consistencyLevel":"strong"', "[true,true]", '"accepted":2,"rejected":0', '"size":2', '"to":2,"label":"friends"', '"weight":1']) {
    if (!run.stdout.includes(expected)) problems.push(`output lacks ${expected}`);
  }
  return problems;
}
