/**
 * The one-way module rule (ARCHITECTURE §1, STYLE 1), checked on the source: `server` may use
 * `wal`, `join` and `store`; those three use only `lib`; `lib` uses nothing of ours; and a
 * module outside a folder enters it only through its front door (`index.ts`).
 */
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const src = resolve(import.meta.dir, "..", "src");

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (name.endsWith(".ts") && !name.endsWith(".test.ts") && !name.startsWith("test-")) out.push(path);
  }
  return out;
}

function imports(file: string): string[] {
  const text = readFileSync(file, "utf8");
  return [...text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+"(\.[^"]+)"/gm)].map((m) => resolve(dirname(file), m[1] ?? ""));
}

const top = (path: string) => relative(src, path).split("/")[0] ?? "";
const allowed: Record<string, string[]> = { lib: [], wal: ["lib"], join: ["lib"], store: ["lib"], server: ["lib", "wal", "join", "store"], "cli.ts": ["lib", "server"] };

describe("architecture", () => {
  const edges = sourceFiles(src).flatMap((file) => imports(file).map((target) => ({ file, target })));

  test("architecture: modules import one way down: server → wal, join, store → lib", () => {
    const wrong = edges
      .filter(({ target }) => target.startsWith(src))
      .filter(({ file, target }) => top(file) !== top(target) && !(allowed[top(file)] ?? []).includes(top(target)))
      .map(({ file, target }) => `${relative(src, file)} imports ${relative(src, target)}`);
    expect(wrong).toEqual([]);
  });

  test("architecture: a folder is entered only through its front door", () => {
    const wrong = edges
      .filter(({ file, target }) => {
        if (!target.startsWith(src)) return false;
        const rel = relative(src, target).split("/");
        // Importing another top-level module (or another unit of src/server) must name its index.ts.
        const unitDepth = rel[0] === "server" ? 2 : 1;
        const targetUnit = rel.slice(0, unitDepth).join("/");
        const fileUnit = relative(src, file).split("/").slice(0, unitDepth).join("/");
        return targetUnit !== fileUnit && rel.length > unitDepth && rel[rel.length - 1] !== "index.ts";
      })
      .map(({ file, target }) => `${relative(src, file)} imports ${relative(src, target)}`);
    expect(wrong).toEqual([]);
  });

  test("architecture: every module folder has a front door that opens with a doc block", () => {
    for (const folder of ["lib", "wal", "join", "store", "server"]) {
      const text = readFileSync(join(src, folder, "index.ts"), "utf8");
      expect(text.trimStart().startsWith("/**") ? folder : `${folder} has no doc block`).toBe(folder);
    }
  });
});
