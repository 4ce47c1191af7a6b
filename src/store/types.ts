import type { ErrorKind } from "../lib/index.ts";

export type StoreEngine = "chdb" | "clickhouse";

/** Raw insert formats both engines accept unchanged. `TSV` is ClickHouse's TabSeparated. */
export type InsertFormat = "JSONEachRow" | "TSV";

/** A ClickHouse setting value as it travels in a URL parameter or a `SETTINGS` clause. */
export type SettingValue = string | number | boolean;
export type Settings = Readonly<Record<string, SettingValue>>;

/** One row of a JSONEachRow result, as `JSON.parse` gives it (64-bit integers as strings). */
export type Row = Record<string, unknown>;

export interface InsertRequest {
  /** A plain identifier (`[A-Za-z_][A-Za-z0-9_]*`) naming a table in the store's database. */
  table: string;
  format: InsertFormat;
  /** The rows, already encoded in `format`; a string is encoded as UTF-8. */
  body: Uint8Array | string;
  /**
   * Extra settings for this insert; they override the store's explicit defaults. A setting the
   * server does not know fails the insert with kind "invalid" (18.16 rejects unknown settings).
   */
  settings?: Settings;
}

export interface InsertResult {
  bodyBytes: number;
  /** Rows the engine reports written (with materialized-view writes), or null where the engine does not report it (18.16). */
  rowsWritten: number | null;
}

/** Extras newer engines have; each is off unless the probe shows it. */
export interface StoreFeatures {
  /** `LowCardinality(T)` columns without an experimental flag. */
  lowCardinality: boolean;
  /** Table and column `TTL` clauses. */
  ttl: boolean;
  /** Server-side query parameters (`{name:Type}`). */
  queryParameters: boolean;
  /** The `insert_deduplication_token` setting. */
  insertDeduplicationToken: boolean;
  /** The `async_insert` setting. */
  asyncInsert: boolean;
  /** Window functions (`count() OVER (PARTITION BY ...)`). */
  windowFunctions: boolean;
}

export interface ServerInfo {
  /** As the server reports it, e.g. `18.16.1` or `26.7.2.1`. */
  version: string;
  /** Major, minor, patch. */
  versionParts: readonly [number, number, number];
  features: StoreFeatures;
  /** Names of the settings the server knows (from `system.settings`), for switching settings on. */
  settingNames: ReadonlySet<string>;
}

/** `ready` and `status` say the same thing: a boolean to branch on, a word to print. */
export type Health =
  | { ready: true; status: "ready"; engine: StoreEngine; latencyMs: number; pending: number }
  | { ready: false; status: "degraded"; engine: StoreEngine; reason: string; kind: ErrorKind; pending: number };

/** The one interface both engines implement; callers run the same SQL text on either. */
export interface Store {
  readonly engine: StoreEngine;
  /** The database unqualified table names resolve to. */
  readonly database: string;
  /** Statements the engine runs at once: chDB's sessions; a remote server: the client's connections. */
  readonly parallelism: number;
  /** The server's version string (probed once, then cached). */
  serverVersion(): Promise<string>;
  /** Version, parsed features and known settings (probed once, then cached). */
  serverInfo(): Promise<ServerInfo>;
  /** Never throws: "ready", or "degraded" with the reason. */
  ping(): Promise<Health>;
  /** Runs one statement (DDL, INSERT ... SELECT, OPTIMIZE ...) and discards its output. */
  exec(sql: string): Promise<void>;
  /**
   * Runs one SELECT (without a FORMAT clause) and returns its rows as JSONEachRow objects.
   * 64-bit (and wider) integers come back as decimal strings, smaller ones as numbers, on
   * both engines. `T` is not checked: parse rows from SQL you did not write.
   */
  query<T = Row>(sql: string): Promise<T[]>;
  insert(request: InsertRequest): Promise<InsertResult>;
  /** Statements queued or running (chDB: its statement queue over the sessions; remote: requests in flight). */
  pending(): number;
  /** Waits for queued work, then releases the engine. Idempotent. */
  close(): Promise<void>;
}

/** A structural subset of pino's logger, so tests can pass a recorder. */
export interface StoreLogger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface ChdbStoreConfig {
  engine: "chdb";
  /** The sessions live at `<dataDir>/chdb`. One data directory per process. */
  dataDir: string;
  /** Default `edgeflow`. */
  database?: string;
  /** Statements queued or running before new ones fail with "overloaded". Default 1024; the first store opened in a process sets it. */
  queueDepthMax?: number;
  /** Sessions that run statements in parallel. Default: the cores, between 2 and 8; the first store opened in a process sets it. */
  sessions?: number;
  /** Result bytes a query may return before it fails with "too_large". Default 256 MiB. */
  resultBytesMax?: number;
}

export interface ClickHouseStoreConfig {
  engine: "clickhouse";
  /** e.g. `http://127.0.0.1:8123` */
  url: string;
  /** Default `edgeflow`. */
  database?: string;
  username?: string;
  password?: string;
  /** Bounds a whole request, connect included. Default 30 000 ms. */
  requestTimeoutMs?: number;
  /** Idle keep-alive sockets are dropped after this; keep it below the server's keep_alive_timeout (3 s on 18.16). Default 2500 ms. */
  idleSocketTtlMs?: number;
  /** Default 10. */
  maxOpenConnections?: number;
  /** Calls in flight (waiting for a socket or an answer) before new ones fail with "overloaded". Default 1024. */
  requestsInFlightMax?: number;
  /** Result bytes a query may return before it fails with "too_large". Default 256 MiB. */
  resultBytesMax?: number;
}

export type StoreConfig = ChdbStoreConfig | ClickHouseStoreConfig;

export interface StoreDeps {
  logger?: StoreLogger;
  /** Milliseconds; used for latencies. Default `performance.now()`. */
  now?: () => number;
}
