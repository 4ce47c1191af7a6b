/**
 * `npm test`: the whole test suite, with its set-up.
 *
 * The suite runs against real parts, among them Debian's `clickhouse-server` (18.16). When it
 * is missing and this machine can install it (root with apt-get), it is installed here; when it
 * cannot be, the tests that need it fail with a message that says how to install it. Nothing
 * is skipped. Extra arguments go to `bun test` (e.g. a path filter).
 */
import { existsSync } from "node:fs";
import { spawnSync } from "node:child_process";

const clickhouseServer = "/usr/sbin/clickhouse-server";

function ensureClickHouseServer(): void {
  if (existsSync(clickhouseServer) || process.env.EDGEFLOW_TEST_CLICKHOUSE_URL) return;
  const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
  if (!isRoot || !existsSync("/usr/bin/apt-get")) {
    console.error(`clickhouse-server is not installed; install it with: sudo apt-get install -y clickhouse-server (the tests that need it will fail)`);
    return;
  }
  console.error("installing Debian's clickhouse-server for the integration tests ...");
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  for (const args of [["update"], ["install", "-y", "clickhouse-server"]]) {
    const r = spawnSync("apt-get", args, { stdio: "inherit", env });
    if (r.status !== 0) {
      console.error(`apt-get ${args.join(" ")} failed (exit ${r.status}); the tests that need clickhouse-server will fail`);
      return;
    }
  }
}

ensureClickHouseServer();
const result = spawnSync(process.execPath, ["test", "--timeout", "60000", ...process.argv.slice(2)], { stdio: "inherit" });
process.exit(result.status ?? 1);
