/**
 * Side data for joins: keyed tables (a user profile by `user_id`, an item catalog by
 * `item_id`) held in LMDB under the data dir, loaded in bulk as whole daily **versions**, and
 * looked up by the sink to attach fields to each mutation.
 *
 * Where the join runs: after the WAL, in the sink. The WAL keeps the raw, validated input as
 * the source of truth, so replaying it after a side-data fix re-joins with the fixed data.
 *
 * Invariants:
 * - a version is written into its own LMDB database (`<table>@<version>`) and becomes visible
 *   only when `activate` flips the table's current-version pointer, in one LMDB transaction;
 *   a reader never sees half a version;
 * - a `Snapshot` pins the versions current when it was taken, so one batch joins against one
 *   version of each table even if a new version is activated meanwhile; the previous version
 *   stays readable until no snapshot pins it, and only then does `collect` drop it;
 * - records are plain JSON-able objects of string, number or boolean fields.
 *
 * Limits: table names follow the registry's name rule (`[A-Za-z0-9_]{1,64}`), keys are
 * strings of at most `keyBytesMax` bytes (LMDB's own key limit is 1,978 bytes), and an LMDB
 * environment holds at most `databasesMax` versions at once.
 */
import { open, type Database, type RootDatabase } from "lmdb";
import fs from "node:fs";
import path from "node:path";
import { EdgeflowError, checkName } from "../lib/index.ts";

export type SideValue = string | number | boolean;
export type SideRecord = Record<string, SideValue>;

export const keyBytesMax = 1024;
export const databasesMax = 1000;

/** One join of a label: look `on` up in `table` and attach `fields` (as `<table>.<field>`). */
export interface JoinSpec {
  table: string;
  /** Where the key comes from: the edge's `from`, its `to`, or one of its props. */
  on: "from" | "to" | { prop: string };
  fields: string[];
}

function checkKey(key: string): string {
  if (Buffer.byteLength(key) > keyBytesMax) {
    throw new EdgeflowError("invalid", "side_key_too_long", `a side-data key may have at most ${keyBytesMax} bytes`);
  }
  return key;
}

export class VersionWriter {
  private rowCount = 0;

  constructor(
    private readonly db: Database<SideRecord, string>,
    readonly table: string,
    readonly version: string,
  ) {}

  /** Adds rows; awaits LMDB's write so memory stays bounded for large loads. */
  async put(rows: Iterable<[string, SideRecord]>): Promise<void> {
    await this.db.transaction(() => {
      for (const [key, record] of rows) {
        this.db.put(checkKey(key), record);
        this.rowCount++;
      }
    });
  }

  get rows(): number {
    return this.rowCount;
  }
}

export class Snapshot {
  constructor(
    private readonly side: SideData,
    private readonly versions: ReadonlyMap<string, { version: string; db: Database<SideRecord, string> }>,
  ) {}

  version(table: string): string | undefined {
    return this.versions.get(table)?.version;
  }

  lookup(table: string, key: string): SideRecord | undefined {
    return this.versions.get(table)?.db.get(key);
  }

  /** The fields a mutation gets from its label's joins; a missing key attaches nothing. */
  join(specs: readonly JoinSpec[], edge: { from: SideValue; to: SideValue; props: Record<string, SideValue> }): SideRecord {
    const out: SideRecord = {};
    for (const spec of specs) {
      const keyValue = spec.on === "from" ? edge.from : spec.on === "to" ? edge.to : edge.props[spec.on.prop];
      if (keyValue === undefined) continue;
      const record = this.lookup(spec.table, String(keyValue));
      if (!record) continue;
      for (const field of spec.fields) {
        const value = record[field];
        if (value !== undefined) out[`${spec.table}.${field}`] = value;
      }
    }
    return out;
  }

  /** Unpins the versions; they may be dropped once nothing else pins them. */
  release(): void {
    this.side.unpin(this);
  }
}

export class SideData {
  private readonly pins = new Map<Snapshot, string[]>();

  private constructor(
    private readonly env: RootDatabase,
    private readonly meta: Database<string, string>,
  ) {}

  static open(dataDir: string): SideData {
    const dir = path.join(dataDir, "side");
    fs.mkdirSync(dir, { recursive: true });
    const env = open({ path: dir, maxDbs: databasesMax, compression: false });
    return new SideData(env, env.openDB<string, string>({ name: "current" }));
  }

  private dbOf(table: string, version: string): Database<SideRecord, string> {
    return this.env.openDB<SideRecord, string>({ name: `${table}@${version}` });
  }

  /** Starts writing a new version of a table; nothing of it is visible until `activate`. */
  beginVersion(table: string, version: string): VersionWriter {
    checkName("side table", table);
    checkName("side table version", version);
    if (this.meta.get(table) === version) {
      throw new EdgeflowError("conflict", "side_version_active", `version ${version} of ${table} is active; load a new version instead`);
    }
    return new VersionWriter(this.dbOf(table, version), table, version);
  }

  /** Makes the written version the table's current one, in one transaction. */
  async activate(writer: VersionWriter): Promise<void> {
    await this.meta.put(writer.table, writer.version);
  }

  current(table: string): string | undefined {
    return this.meta.get(table);
  }

  /** Pins the current version of each named table for one batch. */
  snapshot(tables: readonly string[]): Snapshot {
    const versions = new Map<string, { version: string; db: Database<SideRecord, string> }>();
    for (const table of tables) {
      const version = this.meta.get(table);
      if (version !== undefined) versions.set(table, { version, db: this.dbOf(table, version) });
    }
    const snap = new Snapshot(this, versions);
    this.pins.set(snap, [...versions.entries()].map(([t, v]) => `${t}@${v.version}`));
    return snap;
  }

  unpin(snapshot: Snapshot): void {
    this.pins.delete(snapshot);
  }

  /** Drops every version that is neither current nor pinned; returns the names dropped. */
  async collect(): Promise<string[]> {
    const keep = new Set<string>();
    for (const { key, value } of this.meta.getRange({})) keep.add(`${key}@${value}`);
    for (const names of this.pins.values()) for (const n of names) keep.add(n);
    const dropped: string[] = [];
    for (const name of this.versionNames()) {
      if (keep.has(name)) continue;
      const [table = "", version = ""] = name.split("@");
      await this.dbOf(table, version).drop();
      dropped.push(name);
    }
    return dropped;
  }

  /** Names of the version databases in the environment (the root database lists them). */
  private versionNames(): string[] {
    const names: string[] = [];
    for (const key of this.env.getKeys({})) {
      const name = typeof key === "string" ? key : Buffer.isBuffer(key) ? key.toString("utf8") : String(key);
      if (name.includes("@")) names.push(name);
    }
    return names;
  }

  async close(): Promise<void> {
    await this.env.close();
  }
}
