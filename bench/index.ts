/**
 * `npm run bench`: every benchmark, each printing its figures beside the limits and peers it
 * is measured against in the same run. `--smoke` runs a tiny size of each (CI runs it so the
 * benchmarks cannot rot); `--only <name>` runs one.
 */
import { main as walBench } from "./wal.ts";
import { main as decodeBench } from "./ingest-decode.ts";
import { main as ingestHttpBench } from "./ingest-http.ts";
import { main as e2eBench } from "./e2e.ts";
import { main as getEdgesBench } from "./get-edges.ts";
import { main as storeBench } from "./store-e2e.ts";

const benches: Record<string, (opts: { smoke: boolean }) => unknown> = {
  wal: walBench,
  "ingest-decode": decodeBench,
  "ingest-http": ingestHttpBench,
  e2e: e2eBench,
  "get-edges": getEdgesBench,
  store: storeBench,
};

const smoke = process.argv.includes("--smoke");
const onlyAt = process.argv.indexOf("--only");
const only = onlyAt >= 0 ? process.argv[onlyAt + 1] : undefined;
if (only !== undefined && !(only in benches)) {
  console.error(`unknown benchmark ${only}; one of ${Object.keys(benches).join(", ")}`);
  process.exit(2);
}
for (const [name, run] of Object.entries(benches)) {
  if (only !== undefined && name !== only) continue;
  console.log(`\n== ${name}${smoke ? " (smoke)" : ""}`);
  await run({ smoke });
}
