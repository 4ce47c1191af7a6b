/**
 * Builds edgeflow into one executable: `bun run build` writes `dist/edgeflow` from `src/cli.ts`
 * with `bun build --compile` (through `Bun.build`, so a plugin can take part).
 *
 * What goes into the binary: the Bun runtime, all of our code and every dependency, including
 * lmdb's and msgpackr-extract's N-API addons (see `embed-native-addons.ts` for why that needs
 * a plugin). So in remote-ClickHouse mode the binary needs nothing beside it.
 *
 * What stays out: chDB (`chdb` and its `@chdb/*` platform package). Its shared library is about
 * 570 MB, so it is marked external and loaded at run time from an installed `node_modules`;
 * `src/lib/chdb-loader.ts` documents where it looks. The build fails if any chDB file is
 * bundled or if the binary grows past `binaryBytesMax`, which would mean it was.
 *
 * The binary is built for the machine that builds it (the embedded addons are this machine's
 * prebuilt ones). It does not read `.env` or `bunfig.toml` from the directory it is started in:
 * configuration comes from flags and the environment only.
 *
 * Usage: `bun run build` (or `bun scripts/build.ts [--entry src/cli.ts] [--outfile dist/edgeflow]`).
 * Other scripts and tests may import `buildBinary()`.
 */
import { mkdirSync, rmSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import { embedNativeAddonsPlugin, type NativeAddonReport } from "./embed-native-addons.ts";

export const projectRoot = resolve(import.meta.dir, "..");

/** Packages loaded at run time from node_modules instead of being bundled. */
export const externalPackages = ["chdb", "@chdb/*"];

/** The Bun runtime is ~100 MB; a binary far beyond that has swallowed something it should not. */
export const binaryBytesMax = 250 * 1024 * 1024;

export interface BuildBinaryOptions {
  /** Entry module, absolute or relative to the project root. */
  entry: string;
  /** Output executable, absolute or relative to the project root. */
  outfile: string;
  /**
   * In-memory source files by path (absolute or relative to the project root), e.g. a test's
   * entry that must resolve packages from the project's node_modules without writing a file.
   */
  files?: Record<string, string>;
}

export interface BuildBinaryResult {
  outfile: string;
  binaryBytes: number;
  buildMs: number;
  nativeAddons: NativeAddonReport;
}

function fromRoot(path: string): string {
  return isAbsolute(path) ? path : join(projectRoot, path);
}

/** Throws unless lmdb (when bundled) had its loader rewritten and no chDB file was bundled. */
function checkInputs(inputPaths: string[], report: NativeAddonReport): void {
  const isUnder = (pkg: string) => (p: string) => p.includes(`node_modules/${pkg}/`);
  const bundledChdb = inputPaths.filter((p) => isUnder("chdb")(p) || isUnder("@chdb")(p));
  if (bundledChdb.length > 0) {
    throw new Error(`build: chDB must stay external, but these were bundled: ${bundledChdb.join(", ")}`);
  }
  const lmdbBundled = inputPaths.some(isUnder("lmdb"));
  const lmdbLoaderRewritten = report.rewrittenFiles.some((p) => /lmdb[\\/](native\.js|dist[\\/]index\.cjs)$/.test(p));
  if (lmdbBundled && !lmdbLoaderRewritten) {
    throw new Error(
      "build: lmdb is bundled but its native loader was not rewritten; the binary would fail with " +
        "'No native build was found'. Check the onLoad filters in scripts/embed-native-addons.ts.",
    );
  }
}

function describeLog(log: BuildMessage | ResolveMessage): string {
  const where = log.position ? `${relative(projectRoot, log.position.file)}:${log.position.line}: ` : "";
  return `${where}${log.level}: ${log.message}`;
}

export async function buildBinary(options: BuildBinaryOptions): Promise<BuildBinaryResult> {
  const entry = fromRoot(options.entry);
  const outfile = fromRoot(options.outfile);
  mkdirSync(dirname(outfile), { recursive: true });
  const nativeAddons: NativeAddonReport = { rewrittenFiles: [], embeddedAddons: [] };
  const files = Object.fromEntries(Object.entries(options.files ?? {}).map(([p, text]) => [fromRoot(p), text]));
  const startedMs = performance.now();
  const result = await Bun.build({
    entrypoints: [entry],
    files,
    target: "bun",
    compile: { outfile, autoloadDotenv: false, autoloadBunfig: false },
    external: externalPackages,
    plugins: [embedNativeAddonsPlugin(nativeAddons)],
    // Identifiers keep their names so stack traces and error class names stay readable, and
    // the embedded source map points traces at the original files.
    minify: { whitespace: true, syntax: true, identifiers: false },
    sourcemap: "linked",
    metafile: true,
    throw: false,
  });
  const buildMs = performance.now() - startedMs;
  if (!result.success) {
    const messages = result.logs.map(describeLog).join("\n");
    throw new Error(`build: bun build --compile failed for ${entry}:\n${messages}`);
  }
  // The source map is embedded in the executable (Bun resolves stack traces from it), so the
  // copy written beside it is only clutter in dist/.
  for (const output of result.outputs) {
    if (output.kind === "sourcemap") rmSync(output.path, { force: true });
  }
  if (result.metafile === undefined) throw new Error("build: Bun.build returned no metafile to check");
  // Metafile paths are relative to the working directory.
  checkInputs(Object.keys(result.metafile.inputs).map((p) => resolve(p)), nativeAddons);
  const binaryBytes = statSync(outfile).size;
  if (binaryBytes > binaryBytesMax) {
    throw new Error(`build: ${outfile} is ${binaryBytes} bytes, over binaryBytesMax ${binaryBytesMax}`);
  }
  return { outfile, binaryBytes, buildMs, nativeAddons };
}

function flagValue(args: string[], name: string): string | undefined {
  const at = args.indexOf(name);
  if (at < 0) return undefined;
  const value = args[at + 1];
  if (value === undefined) throw new Error(`build: ${name} needs a value`);
  return value;
}

async function main(args: string[]): Promise<void> {
  const built = await buildBinary({
    entry: flagValue(args, "--entry") ?? "src/cli.ts",
    outfile: flagValue(args, "--outfile") ?? "dist/edgeflow",
  });
  const mib = (built.binaryBytes / (1024 * 1024)).toFixed(1);
  const addons = built.nativeAddons.embeddedAddons.map((p) => relative(projectRoot, p)).join(", ");
  console.log(`built ${relative(process.cwd(), built.outfile)}: ${mib} MiB in ${Math.round(built.buildMs)} ms`);
  console.log(`embedded native addons: ${addons || "none"}; external: ${externalPackages.join(", ")}`);
}

if (import.meta.main) {
  try {
    await main(process.argv.slice(2));
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
}
