/** Opens an in-process edgeflow for tests: own data dir, own ClickHouse database, silent logs. */
import pino from "pino";
import { defaultConfig, type Config } from "../../src/server/config/index.ts";
import { openEdgeflow, type Deps, type Edgeflow } from "../../src/server/index.ts";
import { tempDir } from "./tmp.ts";
import { testChdbDataDir, uniqueDatabaseName } from "./clickhouse-server.ts";

export const adminToken = "test-admin-token";

let counter = 0;

export async function openTestEdgeflow(overrides: Partial<Config> = {}, deps: Partial<Deps> = {}): Promise<Edgeflow> {
  counter += 1;
  const config = defaultConfig({
    dataDir: tempDir(),
    adminToken,
    logLevel: "silent",
    clickhouseDatabase: uniqueDatabaseName(`app${counter}`),
    ...overrides,
  });
  return openEdgeflow(config, { logger: pino({ level: "silent" }), defaultMetrics: false, chdbDataDir: testChdbDataDir(), ...deps });
}

/** A JSON request against the in-process app. */
export async function call(
  edgeflow: Edgeflow,
  method: string,
  path: string,
  options: { token?: string | null; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const headers: Record<string, string> = { ...options.headers };
  const token = options.token === undefined ? adminToken : options.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  let body: string | undefined;
  if (options.rawBody !== undefined) body = options.rawBody;
  else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers["content-type"] = "application/json";
  }
  const response = await edgeflow.app.request(path, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, body: parsed, headers: response.headers };
}
