/**
 * The remote engine: a ClickHouse server (18.16 and later) over HTTP via @clickhouse/client.
 *
 * - Every request is `client.exec` with the SQL we built, so all three operations share one
 *   path: queries get `\nFORMAT JSONEachRow` appended (on its own line, so a trailing `--`
 *   comment cannot swallow it), inserts send the raw body with `INSERT INTO db.t FORMAT F`.
 * - The database travels as the `database` URL parameter on each request rather than in the
 *   client config, so the same client can run `CREATE DATABASE` before the database exists.
 * - Queries carry `wait_end_of_query=1`: the server buffers the result, so an exception
 *   thrown halfway through becomes an HTTP error instead of a 200 with a truncated body.
 * - A response carrying `X-ClickHouse-Exception-Code` is a failure whatever its status (the
 *   client checks it, and we check again in case a client upgrade stops doing so).
 * - Idle sockets are closed after `idleSocketTtlMs` (2500 ms), below 18.16's 3 s keep-alive
 *   timeout; otherwise a request can go out on a socket the server is closing (ECONNRESET).
 * - Opening does not need the server: the probe and `CREATE DATABASE` run on first use and are
 *   retried on the next call after a retriable failure, so the pipeline can start during an
 *   outage and `ping()` says why it is degraded.
 */
import { createClient, type ClickHouseClient, type ClickHouseSettings, type Logger as ClientLogger } from "@clickhouse/client";
import { Readable } from "node:stream";
import { EdgeflowError } from "../lib/index.ts";
import { errorFromClickHouse, toStoreError, type StoreOperation } from "./errors.ts";
import { assertPlainIdentifier, quoteIdentifier } from "./quote.ts";
import { parseJsonEachRow } from "./rows.ts";
import { checkSettings, insertSettingsFor, querySettingsFor, serverInfoOf, settingNamesSql, versionSql } from "./server-info.ts";
import { checkStatement, type EngineLimits } from "./statement.ts";
import type { Health, InsertRequest, InsertResult, Row, ServerInfo, Settings, Store, StoreDeps, StoreLogger } from "./types.ts";

export interface RemoteEngineOptions {
  url: string;
  database: string;
  username: string | undefined;
  password: string | undefined;
  requestTimeoutMs: number;
  idleSocketTtlMs: number;
  maxOpenConnections: number;
  requestsInFlightMax: number;
  limits: EngineLimits;
  deps: Required<StoreDeps>;
}

interface Prepared {
  info: ServerInfo;
  querySettings: Settings;
  insertSettings: Settings;
}

/** Settings every server version knows, for the probe itself (before we know the version). */
const probeSettings: Settings = { output_format_json_quote_64bit_integers: 1 };

/**
 * The client logs failed requests itself; we throw them as EdgeflowErrors, so its errors go to
 * debug (an outage would otherwise log each failure twice) and its warnings stay warnings.
 */
function clientLoggerClass(logger: StoreLogger): new () => ClientLogger {
  return class implements ClientLogger {
    trace(): void {}
    debug(): void {}
    info(): void {}
    warn(params: { module: string; message: string; args?: Record<string, unknown>; err?: Error }): void {
      logger.warn({ module: params.module, args: params.args, err: params.err?.message }, `clickhouse client: ${params.message}`);
    }
    error(params: { module: string; message: string; args?: Record<string, unknown>; err: Error }): void {
      logger.debug({ module: params.module, err: params.err.message }, `clickhouse client: ${params.message}`);
    }
  };
}

function parseUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new EdgeflowError("invalid", "store.invalid_url", `invalid ClickHouse URL ${JSON.stringify(url)}`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new EdgeflowError("invalid", "store.invalid_url", `ClickHouse URL must be http or https, not ${parsed.protocol}`);
  }
  return parsed;
}

async function readCapped(stream: Readable, bytesMax: number, engineOperation: StoreOperation): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    const buffer = typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer);
    total += buffer.byteLength;
    if (total > bytesMax) {
      stream.destroy();
      throw new EdgeflowError("too_large", "store.result_too_large", `${engineOperation} response is over ${bytesMax} bytes`, {
        engine: "clickhouse", operation: engineOperation, resultBytesMax: bytesMax,
      });
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

export class RemoteStore implements Store {
  readonly engine = "clickhouse" as const;
  readonly database: string;
  readonly parallelism: number;
  private readonly client: ClickHouseClient;
  private prepared: Promise<Prepared> | undefined;
  private readonly inFlight = new Set<Promise<unknown>>();
  private closed = false;

  constructor(private readonly options: RemoteEngineOptions) {
    assertPlainIdentifier(options.database, "database name");
    this.database = options.database;
    this.parallelism = options.maxOpenConnections;
    this.client = createClient({
      url: parseUrl(options.url),
      username: options.username,
      password: options.password,
      application: "edgeflow",
      request_timeout: options.requestTimeoutMs,
      max_open_connections: options.maxOpenConnections,
      keep_alive: { enabled: true, idle_socket_ttl: options.idleSocketTtlMs, eagerly_destroy_stale_sockets: true },
      compression: { request: false, response: false },
      log: { LoggerClass: clientLoggerClass(options.deps.logger) },
    });
  }

  /** The probe and `CREATE DATABASE`, once; a failure is forgotten so the next call tries again. */
  private prepare(): Promise<Prepared> {
    this.prepared ??= this.probeAndCreate().catch((error: unknown) => {
      this.prepared = undefined;
      throw error;
    });
    return this.prepared;
  }

  private async probeAndCreate(): Promise<Prepared> {
    const version = parseJsonEachRow(await this.send("probe", `${versionSql}\nFORMAT JSONEachRow`, probeSettings), "clickhouse");
    const names = parseJsonEachRow(await this.send("probe", `${settingNamesSql}\nFORMAT JSONEachRow`, probeSettings), "clickhouse");
    const info = serverInfoOf(String(version[0]?.version), names.map((row) => String(row.name)));
    await this.send("probe", `CREATE DATABASE IF NOT EXISTS ${quoteIdentifier(this.database)}`, {});
    return { info, querySettings: querySettingsFor(info), insertSettings: insertSettingsFor(info) };
  }

  /** One HTTP request; returns the response body and, where the server reports it, the rows written. */
  private async send(operation: StoreOperation, query: string, settings: Settings, body?: Uint8Array): Promise<string> {
    return (await this.sendForSummary(operation, query, settings, body)).text;
  }

  private async sendForSummary(
    operation: StoreOperation,
    query: string,
    settings: Settings,
    body?: Uint8Array,
  ): Promise<{ text: string; rowsWritten: number | null }> {
    const clickhouse_settings: ClickHouseSettings = { ...settings };
    try {
      const result = await this.client.exec(
        body === undefined
          ? { query, clickhouse_settings }
          : { query, clickhouse_settings, values: Readable.from([Buffer.from(body.buffer, body.byteOffset, body.byteLength)], { objectMode: false }) },
      );
      const text = await readCapped(result.stream, this.options.limits.resultBytesMax, operation);
      const headerCode = result.response_headers["x-clickhouse-exception-code"];
      if (headerCode !== undefined) {
        throw errorFromClickHouse(Number(headerCode), text === "" ? `Code: ${String(headerCode)}` : text, { engine: "clickhouse", operation });
      }
      const written = result.summary?.written_rows;
      return { text, rowsWritten: written === undefined ? null : Number(written) };
    } catch (error) {
      throw toStoreError(error, { engine: "clickhouse", operation });
    }
  }

  /** Counts the call in `pending()` and lets `close()` wait for it. */
  private track<T>(operation: StoreOperation, work: () => Promise<T>): Promise<T> {
    if (this.closed) {
      return Promise.reject(new EdgeflowError("unavailable", "store.closed", "the store is closed", { engine: "clickhouse", operation }));
    }
    if (this.inFlight.size >= this.options.requestsInFlightMax) {
      return Promise.reject(
        new EdgeflowError("overloaded", "store.too_many_requests", `${this.inFlight.size} ClickHouse requests already in flight`, {
          engine: "clickhouse", operation, retriable: true, retryAfterSeconds: 1,
        }),
      );
    }
    const promise = work();
    this.inFlight.add(promise);
    const forget = (): void => {
      this.inFlight.delete(promise);
    };
    promise.then(forget, forget);
    return promise;
  }

  /** Probes the server and creates the database now; throws what `prepare` throws. */
  async connect(): Promise<void> {
    await this.track("open", () => this.prepare());
  }

  async serverInfo(): Promise<ServerInfo> {
    return (await this.track("probe", () => this.prepare())).info;
  }

  async serverVersion(): Promise<string> {
    return (await this.serverInfo()).version;
  }

  async ping(): Promise<Health> {
    const degraded = (error: unknown): Health => {
      const storeError = toStoreError(error, { engine: "clickhouse", operation: "ping" });
      return { ready: false, status: "degraded", engine: "clickhouse", reason: storeError.message, kind: storeError.kind, pending: this.pending() };
    };
    if (this.closed) return degraded(new EdgeflowError("unavailable", "store.closed", "the store is closed"));
    const started = this.options.deps.now();
    const pinged = await this.client.ping();
    if (!pinged.success) return degraded(pinged.error);
    try {
      await this.prepare();
    } catch (error) {
      return degraded(error);
    }
    return { ready: true, status: "ready", engine: "clickhouse", latencyMs: this.options.deps.now() - started, pending: this.pending() };
  }

  async exec(sql: string): Promise<void> {
    const statement = checkStatement(sql, this.options.limits, { engine: "clickhouse", operation: "exec" });
    return this.track("exec", async () => {
      const { querySettings } = await this.prepare();
      await this.send("exec", statement, { ...querySettings, database: this.database });
    });
  }

  async query<T = Row>(sql: string): Promise<T[]> {
    const statement = checkStatement(sql, this.options.limits, { engine: "clickhouse", operation: "query" });
    return this.track("query", async () => {
      const { querySettings } = await this.prepare();
      const text = await this.send("query", `${statement}\nFORMAT JSONEachRow`, {
        ...querySettings,
        wait_end_of_query: 1,
        database: this.database,
      });
      return parseJsonEachRow(text, "clickhouse") as T[];
    });
  }

  async insert(request: InsertRequest): Promise<InsertResult> {
    assertPlainIdentifier(request.table, "insert table");
    const callerSettings = checkSettings(request.settings);
    const body = typeof request.body === "string" ? Buffer.from(request.body, "utf8") : request.body;
    const format = request.format === "TSV" ? "TabSeparated" : "JSONEachRow";
    const sql = `INSERT INTO ${quoteIdentifier(this.database)}.${quoteIdentifier(request.table)} FORMAT ${format}`;
    return this.track("insert", async () => {
      if (body.byteLength === 0) return { bodyBytes: 0, rowsWritten: 0 };
      const { insertSettings } = await this.prepare();
      // 18.16 sends no X-ClickHouse-Summary, so there the row count is null.
      const { rowsWritten } = await this.sendForSummary("insert", sql, { ...insertSettings, ...callerSettings, database: this.database }, body);
      return { bodyBytes: body.byteLength, rowsWritten };
    });
  }

  pending(): number {
    return this.inFlight.size;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.inFlight]);
    await this.client.close();
  }
}
