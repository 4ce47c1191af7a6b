/**
 * A Bun build plugin that makes lmdb (and msgpackr's optional accelerator) work inside a
 * `bun build --compile` binary.
 *
 * Why it is needed: lmdb finds its N-API addon at run time with
 * `node-gyp-build-optional-packages`, which lists directories next to lmdb's own module file
 * and then resolves the `@lmdb/lmdb-<platform>-<arch>` package. Inside a compiled binary that
 * module file lives under `/$bunfs/root`, where none of those directories exist, so the binary
 * dies with "No native build was found ... attempted loading from: /$bunfs/root". The bundler
 * embeds a `.node` file only when it sees a `require()` of a literal path to it.
 *
 * What it does, at build time, in the files that do the dynamic lookup:
 * - `lmdb/native.js` (the ESM entry Bun picks through lmdb's "node" export condition) and
 *   `lmdb/dist/index.cjs` (the CommonJS entry, if anything `require`s lmdb): the call
 *   `loadNAPI(dirName)` becomes `require("<absolute path of the prebuilt .node>")`.
 * - `msgpackr-extract/index.js` (msgpackr's optional native string extractor; msgpackr falls
 *   back to plain JS without it, but lmdb decodes every value with msgpackr, so we keep it):
 *   its whole body becomes the same kind of static `require`.
 * - `lmdb/open.js` and `lmdb/dist/index.cjs`: the default compression dictionary, which lmdb
 *   reads from `dict/dict.txt` beside its module file, is inlined as a base64 literal (5 KiB),
 *   because that file would not exist beside `/$bunfs/root` either.
 *
 * The `.node` file is chosen by the same resolver lmdb uses (`node-gyp-build-optional-packages`,
 * run under Bun, so it picks the N-API build for this machine's platform, arch and libc). So the
 * binary targets the build machine's platform; cross-compiling would need the other platform's
 * prebuilt package installed and is refused by the build script.
 *
 * Every rewrite asserts that the text it replaces occurs exactly once; an lmdb upgrade that
 * changes the loader fails the build loudly instead of producing a binary that fails at start.
 */
import type { BunPlugin, OnLoadResult } from "bun";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/** Which rewrites ran, so the build script can check that lmdb's loader was really replaced. */
export interface NativeAddonReport {
  /** Absolute paths of the source files the plugin rewrote. */
  rewrittenFiles: string[];
  /** Absolute paths of the `.node` files now required statically (embedded by Bun). */
  embeddedAddons: string[];
}

type Resolver = { path(dir: string): string };

/** Finds the prebuilt addon for `packageDir` exactly the way the package does at run time. */
function resolvePrebuiltAddon(packageDir: string): string {
  const requireFromPackage = createRequire(join(packageDir, "package.json"));
  // The inner file, not the index: the index prefers `require.addon` when a runtime has it,
  // which would hide the `.path()` resolver we need.
  const resolver = requireFromPackage("node-gyp-build-optional-packages/node-gyp-build.js") as Resolver;
  const addonPath = resolver.path(packageDir);
  if (!addonPath.endsWith(".node")) {
    throw new Error(`embed-native-addons: resolver returned ${addonPath} for ${packageDir}, not a .node file`);
  }
  return addonPath;
}

/** Replaces the single occurrence of `needle`; throws if it occurs zero or several times. */
function replaceOnce(source: string, needle: string, replacement: string, file: string): string {
  const first = source.indexOf(needle);
  if (first < 0 || source.indexOf(needle, first + 1) >= 0) {
    throw new Error(
      `embed-native-addons: expected exactly one ${JSON.stringify(needle)} in ${file}; ` +
        "the package's native loader changed, update scripts/embed-native-addons.ts",
    );
  }
  return source.slice(0, first) + replacement + source.slice(first + needle.length);
}

/**
 * Replaces the whole `fs.readFileSync(new URL('./dict/dict.txt', ...))` call (whose argument
 * spans several lines and differs between the ESM and CJS builds) with `replacement`, by
 * matching parentheses from the call's start.
 */
function replaceDictionaryRead(source: string, replacement: string, file: string): string {
  const marker = "'./dict/dict.txt'";
  const markerAt = source.indexOf(marker);
  const callee = "fs.readFileSync(";
  const calleeAt = source.lastIndexOf(callee, markerAt);
  if (markerAt < 0 || calleeAt < 0 || source.indexOf(marker, markerAt + 1) >= 0) {
    throw new Error(`embed-native-addons: expected one read of ${marker} in ${file}`);
  }
  let depth = 0;
  for (let i = calleeAt + callee.length - 1; i < source.length; i++) {
    const ch = source[i];
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (depth === 0) return source.slice(0, calleeAt) + replacement + source.slice(i + 1);
  }
  throw new Error(`embed-native-addons: unbalanced parentheses after ${callee} in ${file}`);
}

function dictionaryExpression(lmdbDir: string): string {
  const base64 = readFileSync(join(lmdbDir, "dict", "dict.txt")).toString("base64");
  return `Buffer.from(${JSON.stringify(base64)}, "base64")`;
}

export function embedNativeAddonsPlugin(report: NativeAddonReport): BunPlugin {
  function requireAddon(packageDir: string): string {
    const addonPath = resolvePrebuiltAddon(packageDir);
    if (!report.embeddedAddons.includes(addonPath)) report.embeddedAddons.push(addonPath);
    return `require(${JSON.stringify(addonPath)})`;
  }
  function done(file: string, contents: string): OnLoadResult {
    report.rewrittenFiles.push(file);
    return { contents, loader: "js" };
  }

  return {
    name: "embed-native-addons",
    setup(build) {
      build.onLoad({ filter: /[\\/]node_modules[\\/]lmdb[\\/]native\.js$/ }, (args) => {
        const lmdbDir = dirname(args.path);
        let source = readFileSync(args.path, "utf8");
        source = replaceOnce(source, "import loadNAPI from 'node-gyp-build-optional-packages';", "", args.path);
        source = replaceOnce(source, "loadNAPI(dirName)", requireAddon(lmdbDir), args.path);
        return done(args.path, source);
      });
      build.onLoad({ filter: /[\\/]node_modules[\\/]lmdb[\\/]open\.js$/ }, (args) => {
        const lmdbDir = dirname(args.path);
        const source = readFileSync(args.path, "utf8");
        return done(args.path, replaceDictionaryRead(source, dictionaryExpression(lmdbDir), args.path));
      });
      build.onLoad({ filter: /[\\/]node_modules[\\/]lmdb[\\/]dist[\\/]index\.cjs$/ }, (args) => {
        const lmdbDir = dirname(dirname(args.path));
        let source = readFileSync(args.path, "utf8");
        source = replaceOnce(source, 'loadNAPI__default["default"](dirName)', requireAddon(lmdbDir), args.path);
        source = replaceDictionaryRead(source, dictionaryExpression(lmdbDir), args.path);
        return done(args.path, source);
      });
      build.onLoad({ filter: /[\\/]node_modules[\\/]msgpackr-extract[\\/]index\.js$/ }, (args) => {
        const source = readFileSync(args.path, "utf8");
        replaceOnce(source, "require('node-gyp-build-optional-packages')(__dirname)", "", args.path);
        return done(args.path, `module.exports = ${requireAddon(dirname(args.path))};\n`);
      });
    },
  };
}
