/**
 * store: edgeflow's one door to ClickHouse — one interface, two engines, one SQL text.
 *
 * Engines
 * - `chdb` (default, embedded): chDB, the ClickHouse 26.x engine in-process, sessions at
 *   `<dataDir>/chdb`. chDB allows one data directory per process, with several sessions on it
 *   that run statements in parallel, one at a time each; so all stores in a process share one
 *   set of `sessions` sessions and one FIFO queue (`pending()` is its depth, `queueDepthMax`
 *   bounds it) and isolate by database name. Only chDB's async calls are used, so a long insert
 *   does not stop the event loop.
 * - `clickhouse` (remote): a ClickHouse server over HTTP with @clickhouse/client, from 18.16
 *   (Debian's package) up. Opening does not need the server to be up: the version probe and
 *   `CREATE DATABASE` happen on first use, and `ping()` reports "degraded" with the reason.
 *
 * Invariants
 * - The same SQL text runs on both engines. Core SQL is limited to what 18.16 and 26.x share
 *   (`Int64` epoch-ms timestamps, `Nested`, `ReplacingMergeTree`, `MATERIALIZED VIEW ... TO`,
 *   `FINAL`, `LIMIT n BY`; no `Map`, `JSON`, `DateTime64`, `Bool`). Extras newer engines have
 *   are listed in `serverInfo().features`, probed from the version and `system.settings`.
 * - The store's database (config `database`, default `edgeflow`) is created idempotently
 *   (`CREATE DATABASE IF NOT EXISTS`); unqualified table names in `exec`/`query` resolve to it.
 * - Values enter SQL only through `quoteString` / `quoteIdentifier` / `quoteValue`.
 * - Results are JSONEachRow objects with 64-bit (and wider) integers as decimal strings and
 *   narrower ones as numbers, on both engines (`output_format_json_quote_64bit_integers=1`
 *   everywhere: 18.16 quotes by default, 26.x does not). `count()` is UInt64, so a string.
 * - Inserts take raw JSONEachRow or TSV bytes and carry explicit settings: synchronous (no
 *   async insert where it exists, Distributed forwards before the ack), strict (no skipped
 *   fields or rows), omitted fields get the type's zero value as on 18.16 (not DEFAULT).
 * - Every failure is an `EdgeflowError`: refused/reset/timed-out connections and a closed
 *   store are "unavailable"; ClickHouse exceptions are classified by their code (syntax, type,
 *   unknown table/column/setting: "invalid"; memory, too many parts: "overloaded"; ...), with
 *   the code in `detail.clickhouseCode`. `isRetriable(error)` is true for unavailable, timeout
 *   and overloaded. A 200 carrying `X-ClickHouse-Exception-Code`, or a body ending in an
 *   exception, is a failure.
 *
 * Limits
 * - One statement per call, without a trailing FORMAT clause; at most `statementBytesMax`
 *   (255 KiB) of SQL text; results at most `resultBytesMax` (default 256 MiB, "too_large").
 * - Insert targets and database names are plain identifiers (`[A-Za-z_][A-Za-z0-9_]*`).
 * - Send a value for every column; `null` only into `Nullable` columns (18.16 reads `null` as 0
 *   for numbers but rejects it for strings; 26.x reads it as the default).
 * - Remote: idle sockets close after 2500 ms (below 18.16's 3 s keep-alive); a request,
 *   connect included, is bounded by `requestTimeoutMs` (30 s); at most `requestsInFlightMax`
 *   (1024) calls wait at once, past that they fail fast as "overloaded". A query the client abandons may
 *   still run on the server. Rows written are reported only where the server sends a summary.
 * - chDB: with every session busy (e.g. inserts on all of them), a query waits; insert chunk
 *   size sets read latency then.
 */
import os from "node:os";
import { ChdbStore } from "./chdb-engine.ts";
import { EdgeflowError } from "../lib/index.ts";
import { isRetriable } from "./errors.ts";
import { RemoteStore } from "./remote-engine.ts";
import { resultBytesMaxDefault, statementBytesMaxDefault, type EngineLimits } from "./statement.ts";
import type { StoreConfig, Store, StoreDeps, StoreLogger } from "./types.ts";

export { isRetriable } from "./errors.ts";
export { quoteIdentifier, quoteString, quoteValue, isPlainIdentifier, type QuotableValue } from "./quote.ts";
export type {
  ChdbStoreConfig,
  ClickHouseStoreConfig,
  Health,
  InsertFormat,
  InsertRequest,
  InsertResult,
  Row,
  ServerInfo,
  SettingValue,
  Settings,
  Store,
  StoreConfig,
  StoreDeps,
  StoreEngine,
  StoreFeatures,
  StoreLogger,
} from "./types.ts";

export const databaseDefault = "edgeflow";

const silentLogger: StoreLogger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};

/** A configured bound must be a positive integer; anything else is a configuration error. */
function bound(name: string, value: number | undefined, fallback: number): number {
  const resolved = value ?? fallback;
  if (!Number.isSafeInteger(resolved) || resolved <= 0) {
    throw new EdgeflowError("invalid", "store.invalid_config", `${name} must be a positive integer`, { [name]: value });
  }
  return resolved;
}

/**
 * Opens a store. chDB: creates the database before returning (errors throw). Remote: returns
 * at once if the server is unreachable (the first use or `ping()` retries); throws only for
 * failures that retrying cannot fix (bad URL, bad credentials, bad database name).
 */
export async function openStore(config: StoreConfig, deps: StoreDeps = {}): Promise<Store> {
  const resolvedDeps: Required<StoreDeps> = {
    logger: deps.logger ?? silentLogger,
    now: deps.now ?? (() => performance.now()),
  };
  const database = config.database ?? databaseDefault;
  const limits: EngineLimits = {
    statementBytesMax: statementBytesMaxDefault,
    resultBytesMax: bound("resultBytesMax", config.resultBytesMax, resultBytesMaxDefault),
  };
  if (config.engine === "chdb") {
    return ChdbStore.open({
      dataDir: config.dataDir,
      database,
      queueDepthMax: bound("queueDepthMax", config.queueDepthMax, 1024),
      sessions: bound("sessions", config.sessions, Math.max(2, Math.min(8, os.availableParallelism()))),
      limits,
      deps: resolvedDeps,
    });
  }
  const store = new RemoteStore({
    url: config.url,
    database,
    username: config.username,
    password: config.password,
    requestTimeoutMs: bound("requestTimeoutMs", config.requestTimeoutMs, 30_000),
    idleSocketTtlMs: bound("idleSocketTtlMs", config.idleSocketTtlMs, 2500),
    maxOpenConnections: bound("maxOpenConnections", config.maxOpenConnections, 10),
    requestsInFlightMax: bound("requestsInFlightMax", config.requestsInFlightMax, 1024),
    limits,
    deps: resolvedDeps,
  });
  try {
    await store.connect();
  } catch (error) {
    if (!isRetriable(error)) {
      await store.close();
      throw error;
    }
    resolvedDeps.logger.warn({ engine: "clickhouse", err: (error as Error).message }, "ClickHouse not ready at open; retrying on use");
  }
  return store;
}

// The property graph over the store (src/store/graph): tables, views, the fold, writes and reads.
export { createGraphStore, edgeFoldSql, edgesSql, labelViewName, labelViewSql, tableNames as graphTableNames } from "./graph/index.ts";
export type * from "./graph/types.ts";
