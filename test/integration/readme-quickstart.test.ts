import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnServer, type SpawnedServer } from "../binary/spawn-server.ts";
import { checkQuickstartOutput, runQuickstart } from "../support/quickstart.ts";
import { tempDir } from "../support/tmp.ts";

let server: SpawnedServer;
beforeAll(async () => {
  server = await spawnServer({ args: ["serve", "--port", "0", "--host", "127.0.0.1", "--data-dir", tempDir(), "--admin-token", "change-me"] });
});
afterAll(async () => {
  await server?.stop();
});

describe("README", () => {
  test("readme: the quickstart works verbatim against a server started from source", () => {
    const run = runQuickstart(server.url, "change-me");
    expect(checkQuickstartOutput(run)).toEqual([]);
  });

  test("readme: the server stops cleanly on SIGTERM with exit code 0", async () => {
    const exit = await server.stop();
    expect(exit.exitCode).toBe(0);
  });
});
