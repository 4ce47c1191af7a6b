/**
 * The embedded engine: chDB (ClickHouse 26.x in-process), one data directory per process.
 *
 * chDB allows one active data directory per process; on it, several sessions (connections) run
 * statements in parallel, each one at a time. So every store opened in a process shares one
 * `Host`: `sessions` sessions at `<dataDir>/chdb` behind one statement queue (FIFO, bounded),
 * each session with the name of the database it is "in". Stores isolate by database: before a
 * statement of store A runs on a session, the session switches with `USE A` if its previous
 * statement was B's. The sessions close when the last store closes.
 *
 * Parallel sessions let a read run beside the sink's insert and two reads run on two cores
 * (bench/get-edges.ts). Statements of one caller that depend on each other are awaited in turn
 * by that caller, so no caller relies on the queue for ordering.
 *
 * Only chDB's async calls are used (`queryAsync`, raw `insert`): they run on a libuv worker, so
 * the event loop keeps turning during a long insert (src/store/chdb-engine.test.ts measures it).
 */
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { EdgeflowError, loadChdb } from "../lib/index.ts";
import { toStoreError, type StoreOperation } from "./errors.ts";
import { assertPlainIdentifier, quoteIdentifier, quoteString } from "./quote.ts";
import { parseJsonEachRow } from "./rows.ts";
import { StatementQueue } from "./statement-queue.ts";
import { checkSettings, insertSettingsFor, querySettingsFor, serverInfoOf, settingNamesSql, versionSql } from "./server-info.ts";
import { checkStatement, type EngineLimits } from "./statement.ts";
import type { Health, InsertRequest, InsertResult, Row, ServerInfo, Settings, Store, StoreDeps } from "./types.ts";

type ChdbModule = ReturnType<typeof loadChdb>;
type Session = InstanceType<ChdbModule["Session"]>;

interface Slot {
  readonly session: Session;
  /** The database `USE` last switched to on this session; undefined until the first switch. */
  currentDatabase: string | undefined;
  /** Whether the host's query settings are `SET` on this session yet. */
  configured: boolean;
}

interface Host {
  readonly path: string;
  readonly slots: readonly Slot[];
  readonly queue: StatementQueue<Slot>;
  refs: number;
  /** Set by the first store's `init()`; every later store reuses it. */
  info: ServerInfo | undefined;
  insertSettings: Settings;
}

let host: Host | undefined;

function acquireHost(dataDir: string, queueDepthMax: number, sessions: number): Host {
  const path = join(resolve(dataDir), "chdb");
  if (host !== undefined) {
    if (host.path !== path) {
      throw new EdgeflowError(
        "conflict",
        "store.chdb_data_dir_conflict",
        `chDB allows one data directory per process: ${host.path} is open, ${path} was asked for`,
        { open: host.path, requested: path },
      );
    }
    host.refs += 1;
    return host;
  }
  mkdirSync(path, { recursive: true });
  const chdb = loadChdb();
  const slots: Slot[] = [];
  try {
    for (let i = 0; i < sessions; i++) slots.push({ session: new chdb.Session(path), currentDatabase: undefined, configured: false });
  } catch (error) {
    for (const slot of slots) slot.session.close();
    throw toStoreError(error, { engine: "chdb", operation: "open" });
  }
  host = { path, slots, queue: new StatementQueue(queueDepthMax, slots), refs: 1, info: undefined, insertSettings: {} };
  return host;
}

function releaseHost(released: Host): void {
  released.refs -= 1;
  if (released.refs > 0) return;
  for (const slot of released.slots) slot.session.close();
  if (host === released) host = undefined;
}

/**
 * Probes the engine (once a host: slots that start together may each probe, with the same
 * answer) and applies the output settings to the slot's session; runs inside the queue.
 */
async function initSlot(target: Host, slot: Slot): Promise<void> {
  if (target.info === undefined) {
    const version = parseJsonEachRow((await slot.session.queryAsync(versionSql, { format: "JSONEachRow" })).text(), "chdb");
    const names = parseJsonEachRow((await slot.session.queryAsync(settingNamesSql, { format: "JSONEachRow" })).text(), "chdb");
    const info = serverInfoOf(String(version[0]?.version), names.map((row) => String(row.name)));
    target.insertSettings = insertSettingsFor(info);
    target.info = info;
  }
  if (slot.configured) return;
  // A session keeps `SET` values, and chDB has no per-query settings argument: set once a session.
  for (const [name, value] of Object.entries(querySettingsFor(target.info as ServerInfo))) {
    await slot.session.queryAsync(`SET ${name} = ${typeof value === "string" ? quoteString(value) : Number(value)}`);
  }
  slot.configured = true;
}

export interface ChdbEngineOptions {
  dataDir: string;
  database: string;
  queueDepthMax: number;
  /** Sessions on the data directory, statements run in parallel; the first store opened in a process sets it. */
  sessions: number;
  limits: EngineLimits;
  deps: Required<StoreDeps>;
}

export class ChdbStore implements Store {
  readonly engine = "chdb" as const;
  readonly database: string;
  readonly parallelism: number;
  private closed = false;

  private constructor(
    private readonly host: Host,
    private readonly options: ChdbEngineOptions,
  ) {
    this.database = options.database;
    this.parallelism = host.slots.length;
  }

  static async open(options: ChdbEngineOptions): Promise<ChdbStore> {
    assertPlainIdentifier(options.database, "database name");
    const store = new ChdbStore(acquireHost(options.dataDir, options.queueDepthMax, options.sessions), options);
    try {
      await store.run("open", false, async (session) => {
        await session.queryAsync(`CREATE DATABASE IF NOT EXISTS ${quoteIdentifier(store.database)}`);
      });
    } catch (error) {
      await store.close();
      throw error;
    }
    return store;
  }

  /** Runs `job` in the host's queue, in this store's database when `inDatabase`. */
  private run<T>(operation: StoreOperation, inDatabase: boolean, job: (session: Session) => Promise<T>): Promise<T> {
    if (this.closed) {
      return Promise.reject(new EdgeflowError("unavailable", "store.closed", "the store is closed", { engine: "chdb", operation }));
    }
    const target = this.host;
    return target.queue
      .run(async (slot) => {
        await initSlot(target, slot);
        if (inDatabase && slot.currentDatabase !== this.database) {
          await slot.session.queryAsync(`USE ${quoteIdentifier(this.database)}`);
          slot.currentDatabase = this.database;
        }
        return job(slot.session);
      })
      .catch((error: unknown) => {
        throw toStoreError(error, { engine: "chdb", operation });
      });
  }

  async serverInfo(): Promise<ServerInfo> {
    if (this.host.info === undefined) await this.run("probe", false, async () => {});
    const info = this.host.info;
    if (info === undefined) throw new EdgeflowError("io", "store.probe_failed", "chDB probe gave no version");
    return info;
  }

  async serverVersion(): Promise<string> {
    return (await this.serverInfo()).version;
  }

  async ping(): Promise<Health> {
    const pending = this.pending();
    if (this.closed) return { ready: false, status: "degraded", engine: "chdb", reason: "the store is closed", kind: "unavailable", pending };
    if (pending >= this.host.queue.depthMax) {
      return { ready: false, status: "degraded", engine: "chdb", reason: `statement queue full (${pending})`, kind: "overloaded", pending };
    }
    const started = this.options.deps.now();
    try {
      await this.run("ping", false, (session) => session.queryAsync("SELECT 1"));
    } catch (error) {
      const storeError = toStoreError(error, { engine: "chdb", operation: "ping" });
      return { ready: false, status: "degraded", engine: "chdb", reason: storeError.message, kind: storeError.kind, pending: this.pending() };
    }
    return { ready: true, status: "ready", engine: "chdb", latencyMs: this.options.deps.now() - started, pending: this.pending() };
  }

  async exec(sql: string): Promise<void> {
    const statement = checkStatement(sql, this.options.limits, { engine: "chdb", operation: "exec" });
    await this.run("exec", true, (session) => session.queryAsync(statement));
  }

  async query<T = Row>(sql: string): Promise<T[]> {
    const statement = checkStatement(sql, this.options.limits, { engine: "chdb", operation: "query" });
    const result = await this.run("query", true, (session) => session.queryAsync(statement, { format: "JSONEachRow" }));
    const bytes = result.bytes();
    if (bytes.byteLength > this.options.limits.resultBytesMax) {
      throw new EdgeflowError("too_large", "store.result_too_large", `query result of ${bytes.byteLength} bytes is over the limit`, {
        engine: "chdb", resultBytes: bytes.byteLength, resultBytesMax: this.options.limits.resultBytesMax,
      });
    }
    return parseJsonEachRow(result.text(), "chdb") as T[];
  }

  async insert(request: InsertRequest): Promise<InsertResult> {
    assertPlainIdentifier(request.table, "insert table");
    const settings = { ...this.host.insertSettings, ...checkSettings(request.settings) };
    const values = typeof request.body === "string" ? Buffer.from(request.body, "utf8") : request.body;
    if (values.byteLength === 0) return { bodyBytes: 0, rowsWritten: 0 };
    const summary = await this.run("insert", false, (session) =>
      session.insert({
        // chDB's raw insert takes only plain dotted identifiers, which both names are.
        table: `${this.database}.${request.table}`,
        values,
        format: request.format === "TSV" ? "TabSeparated" : "JSONEachRow",
        settings,
      }),
    );
    return { bodyBytes: values.byteLength, rowsWritten: summary.rowsWritten };
  }

  pending(): number {
    return this.host.queue.depth;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.host.queue.drain();
    releaseHost(this.host);
  }
}
