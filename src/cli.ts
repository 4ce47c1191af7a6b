#!/usr/bin/env bun
/**
 * The `edgeflow` command: `serve` (default), `version`, `help`.
 *
 * Exit codes: 0 on success and on a clean shutdown (SIGTERM/SIGINT), 2 for a bad flag or
 * value (one line on stderr), 1 when the server cannot start.
 */
import { isEdgeflowError } from "./lib/index.ts";
import { helpText, parseCommandLine } from "./server/config/index.ts";
import { createLogger, flushLogger, startServer, version } from "./server/index.ts";

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseCommandLine(argv, process.env);
  } catch (error) {
    process.stderr.write(`edgeflow: ${(error as Error).message}\n`);
    return 2;
  }
  if (parsed.command === "version") {
    process.stdout.write(`${version}\n`);
    return 0;
  }
  if (parsed.command === "help") {
    process.stdout.write(`${helpText(version)}\n`);
    return 0;
  }
  const log = createLogger(parsed.config.logLevel);
  let running;
  try {
    running = await startServer(parsed.config, { logger: log });
  } catch (error) {
    if (isEdgeflowError(error)) log.fatal({ code: error.code, detail: error.detail }, error.message);
    else log.fatal({ err: error }, "could not start");
    await flushLogger(log);
    return 1;
  }
  const token = running.edgeflow.generatedAdminToken;
  if (token) {
    // Printed once: only its hash is kept, so this is the operator's one chance to copy it.
    log.child({}, { level: "info" }).warn({ adminToken: token }, "generated an admin token; store it now, it will not be shown again (set --admin-token or EDGEFLOW_ADMIN_TOKEN to choose one)");
  }
  await new Promise<void>((resolve) => {
    const onSignal = (signal: string) => {
      log.info({ signal }, "signal received");
      void running.stop().then(resolve, (error: unknown) => {
        log.error({ err: error }, "shutdown failed");
        resolve();
      });
    };
    process.once("SIGTERM", () => onSignal("SIGTERM"));
    process.once("SIGINT", () => onSignal("SIGINT"));
  });
  await flushLogger(log);
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
// Bun keeps the process alive while native handles (chDB, LMDB) linger; everything is closed by now.
process.exit(process.exitCode);
