/**
 * The graph's tables and materialized views, as DDL that runs unchanged on ClickHouse 18.16 and
 * on chDB's 26.x (checked by test/integration/graph-*.test.ts on both).
 *
 *   mutations ──┬─ mv_edge_ops_out ──▶ edge_ops_out    strong edge ops, (label, from, to, okey)
 *               ├─ mv_edge_ops_in ───▶ edge_ops_in     the same rows, (label, to, from, okey)
 *               ├─ mv_weak_edges_out ▶ weak_edges_out  weak edges and deletes, (label, from, -ts)
 *               ├─ mv_weak_edges_in ─▶ weak_edges_in   the same rows, (label, to, -ts)
 *               ├─ mv_tombstones ────▶ tombstones      deleteAll of an edge side or a vertex, (scope, vertex)
 *               ├─ mv_delete_marks ──▶ tombstones      each end of a weak pair delete, in a `W:` scope
 *               ├─ mv_tombstone_keys ▶ tombstone_keys  which scopes and (scope, vertex) have a deleteAll: a Set
 *               ├─ mv_delete_mark_keys ▶ tombstone_keys  the same for the delete marks
 *               └─ mv_vertex_ops ────▶ vertex_ops      vertex ops, (service, column, id, okey)
 *   quarantine   refused rows with the reason;   graph_views   which label view SQL is installed
 *
 * - Every table is a `ReplacingMergeTree` whose sorting key ends in the mutation id (`okey` ends
 *   in it), so a replayed mutation collapses into its first copy when parts merge. Reads never
 *   rely on merges: strong edge and vertex folds use aggregates that ignore duplicates (max,
 *   argMax, uniq arrays keyed by id), weak edges too (collected per pair with
 *   `groupUniqArrayIf`, where a replayed copy is the same tuple).
 * - `mutations` keeps every mutation as written, including those of labels that were unknown
 *   when written (`consistency = ''`), which no view picks up.
 * - Props are two parallel arrays, `prop_keys` and `prop_values`, values as text (numbers in
 *   JavaScript's shortest form, booleans `true`/`false`); the registry types them at read time.
 *   Per-prop versions come from folding each prop over the op rows by `okey` (fold-sql.ts), so
 *   no per-prop table is needed: the prop names are known when the query is built.
 * - The weak tables sort newest first with `neg_ts = -ts`: 18.16 has no DESC in a sorting key.
 * - Tombstone scopes: `L:<label id>:out|in` for an edge deleteAll of a source/target vertex,
 *   `C:<service>:<column>` for a vertex deleteAll (which also deletes the vertex's edges).
 * - Delete marks: a weak label's pair delete also writes a row to `tombstones` for each end, in
 *   scope `W:<label id>:out` (its source) or `W:<label id>:in` (its target). They are not
 *   tombstones (no lookup names a `W` scope): they let a read of a weak label ask the set whether
 *   any pair delete is among a vertex's edges, where ordering deletes first cost ~0.35 ms a read
 *   (fold-sql.ts `weakScanSql`). A database that predates them gets them from the weak tables
 *   once, when their view is created (`deleteMarksBackfillSql`).
 * - `tombstone_keys` is a `Set` table (in memory, saved on disk, reloaded at start) of
 *   `S<tab><scope>` and `V<tab><scope><tab><vertex>` for every tombstone: a read asks `'…' IN
 *   tombstone_keys` whether a tombstone could hit it for the price of a hash lookup, where a
 *   subquery on `tombstones` costs ~1 ms to plan. Keys are only ever added (tombstones are not
 *   deleted); `schemaStatements` refills the set from `tombstones` at every start, so a database
 *   that predates the set, or a lost set file, is covered. On a server cluster the set is per
 *   server, like the tables here.
 * - 18.16 refuses `CREATE OR REPLACE VIEW`, so label views are dropped and created
 *   (label-views.ts). It accepts `IF NOT EXISTS` on tables, views and materialized views.
 *
 * Modern extras, only where `serverInfo().features` shows them: `LowCardinality(String)` for the
 * low-cardinality names, and `non_replicated_deduplication_window` so that
 * `insert_deduplication_token` drops a retried block before it is stored at all.
 */
import { quoteString } from "../quote.ts";
import type { StoreFeatures } from "../types.ts";

/** How many recent insert blocks a table remembers for token deduplication (modern engines only). */
export const deduplicationWindowBlocks = 10_000;

export const tableNames = {
  mutations: "mutations",
  edgeOpsOut: "edge_ops_out",
  edgeOpsIn: "edge_ops_in",
  weakEdgesOut: "weak_edges_out",
  weakEdgesIn: "weak_edges_in",
  tombstones: "tombstones",
  tombstoneKeys: "tombstone_keys",
  vertexOps: "vertex_ops",
  quarantine: "quarantine",
  graphViews: "graph_views",
} as const;

/** Column order of `mutations`; the TSV encoder writes fields in this order. */
export const mutationColumns = [
  "id", "seq", "kind", "op", "ts", "okey", "service", "label", "label_id", "consistency", "column_name",
  "from_id", "to_id", "direction", "prop_keys", "prop_values", "joined_keys", "joined_values", "received_ms",
] as const;

/** Column order of `quarantine`. */
export const quarantineColumns = [
  "row_id", "token", "received_ms", "service", "code", "message", "line", "idx", "raw_text", "raw_bytes", "raw_truncated", "written_ms",
] as const;

interface DdlContext {
  lc: string;
  /** Table settings every table gets. */
  settings: string[];
}

function contextOf(features: StoreFeatures): DdlContext {
  return {
    lc: features.lowCardinality ? "LowCardinality(String)" : "String",
    settings: features.insertDeduplicationToken ? [`non_replicated_deduplication_window = ${deduplicationWindowBlocks}`] : [],
  };
}

/**
 * Granules of the tables read by vertex (adjacency, vertex ops, tombstones): a read of one
 * vertex's edges touches one or two granules of each column it reads, so 1,024 rows instead of
 * ClickHouse's 8,192 read a quarter of the bytes (bench/get-edges.ts, 10 vertices of 100 edges:
 * ~12.2 -> ~9.4 ms a read; the hand-written read ~10.2 -> ~7.9 ms). Their primary key is the
 * sorting key without the order key (`okey`, ~70 bytes a row), so the index in memory stays
 * small.
 */
const pointReadGranularity = 1024;

interface KeyOptions {
  /** A prefix of the sorting key; the index holds only it. */
  primaryKey?: string;
  /** Rows a granule; default ClickHouse's. */
  granularity?: number;
  /** ReplacingMergeTree's version column. */
  version?: string;
}

function mergeTree(orderBy: string, context: DdlContext, options: KeyOptions = {}): string {
  const settings = [
    ...(options.granularity === undefined ? [] : [`index_granularity = ${options.granularity}`]),
    ...context.settings,
  ];
  const primaryKey = options.primaryKey === undefined ? "" : ` PRIMARY KEY (${options.primaryKey})`;
  return `ENGINE = ReplacingMergeTree(${options.version ?? ""})${primaryKey} ORDER BY (${orderBy})${settings.length === 0 ? "" : ` SETTINGS ${settings.join(", ")}`}`;
}

function pointRead(primaryKey: string): KeyOptions {
  return { primaryKey, granularity: pointReadGranularity };
}

function tableStatements(c: DdlContext): string[] {
  const edgeColumns = `label ${c.lc}, label_id Int32, from_id String, to_id String, ts Int64, okey String, op ${c.lc}, id String,
    prop_keys Array(String), prop_values Array(String)`;
  return [
    `CREATE TABLE IF NOT EXISTS ${tableNames.mutations} (
      id String, seq Int64, kind ${c.lc}, op ${c.lc}, ts Int64, okey String, service ${c.lc}, label ${c.lc}, label_id Int32,
      consistency ${c.lc}, column_name ${c.lc}, from_id String, to_id String, direction ${c.lc},
      prop_keys Array(String), prop_values Array(String), joined_keys Array(String), joined_values Array(String), received_ms Int64
    ) ${mergeTree("id", c)}`,
    `CREATE TABLE IF NOT EXISTS ${tableNames.edgeOpsOut} (${edgeColumns}) ${mergeTree("label, from_id, to_id, okey", c, pointRead("label, from_id, to_id"))}`,
    `CREATE TABLE IF NOT EXISTS ${tableNames.edgeOpsIn} (${edgeColumns}) ${mergeTree("label, to_id, from_id, okey", c, pointRead("label, to_id, from_id"))}`,
    `CREATE TABLE IF NOT EXISTS ${tableNames.weakEdgesOut} (${edgeColumns}, neg_ts Int64) ${mergeTree("label, from_id, neg_ts, okey", c, pointRead("label, from_id, neg_ts"))}`,
    `CREATE TABLE IF NOT EXISTS ${tableNames.weakEdgesIn} (${edgeColumns}, neg_ts Int64) ${mergeTree("label, to_id, neg_ts, okey", c, pointRead("label, to_id, neg_ts"))}`,
    `CREATE TABLE IF NOT EXISTS ${tableNames.tombstones} (
      scope String, vertex String, ts Int64, okey String, id String, label ${c.lc}, label_id Int32, service ${c.lc}, column_name ${c.lc}
    ) ${mergeTree("scope, vertex, okey", c, pointRead("scope, vertex"))}`,
    `CREATE TABLE IF NOT EXISTS ${tableNames.tombstoneKeys} (k String) ENGINE = Set`,
    `CREATE TABLE IF NOT EXISTS ${tableNames.vertexOps} (
      service ${c.lc}, column_name ${c.lc}, vertex_id String, ts Int64, okey String, op ${c.lc}, id String,
      prop_keys Array(String), prop_values Array(String)
    ) ${mergeTree("service, column_name, vertex_id, okey", c, pointRead("service, column_name, vertex_id"))}`,
    `CREATE TABLE IF NOT EXISTS ${tableNames.quarantine} (
      row_id String, token String, received_ms Int64, service String, code ${c.lc}, message String, line Nullable(Int64), idx Int64,
      raw_text String, raw_bytes Int64, raw_truncated UInt8, written_ms Int64
    ) ${mergeTree("service, received_ms, row_id", c)}`,
    `CREATE TABLE IF NOT EXISTS ${tableNames.graphViews} (
      name String, definition_hash String, label_id Int32, label_version Int64, updated_ms Int64
    ) ${mergeTree("name", c, { version: "updated_ms" })}`,
  ];
}

const edgeSelect = "label, label_id, from_id, to_id, ts, okey, op, id, prop_keys, prop_values";

/** The scope of a deleteAll row of `mutations` (see `labelScope`, `columnScope`). */
const tombstoneScopeSql = "if(kind = 'edge', concat('L:', toString(label_id), ':', toString(direction)), concat('C:', toString(service), ':', toString(column_name)))";

/** The `tombstone_keys` entries of a tombstone, given its scope and vertex, as an array. */
function keysOfSql(scope: string, vertex: string): string {
  return `[concat('S\\t', ${scope}), concat('V\\t', ${scope}, '\\t', ${vertex})]`;
}

/** The `tombstone_keys` entries of a tombstone, one a row. */
function tombstoneKeysSql(scope: string, vertex: string): string {
  return `arrayJoin(${keysOfSql(scope, vertex)})`;
}

/** How every delete-mark scope begins; no tombstone scope does (`L:`, `C:`). */
const deleteMarkScopePrefix = "W:";

/** The delete-mark scope of a weak pair delete's source and target, from its row's `label_id`. */
const markScopeSql = {
  out: `concat('${deleteMarkScopePrefix}', toString(label_id), ':out')`,
  in: `concat('${deleteMarkScopePrefix}', toString(label_id), ':in')`,
};

/** The marks of the weak pair deletes among `source`'s rows (it has `label_id`, `from_id`, `to_id`). */
function deleteMarksSql(source: string, where: string, service: string): string {
  return `SELECT _m.1 AS scope, _m.2 AS vertex, ts, okey, id, label, label_id, ${service} AS service, '' AS column_name
      FROM ${source} ARRAY JOIN [(${markScopeSql.out}, from_id), (${markScopeSql.in}, to_id)] AS _m WHERE ${where}`;
}

const weakDelete = "kind = 'edge' AND consistency = 'weak' AND op = 'delete'";

function viewStatements(): string[] {
  const m = tableNames.mutations;
  const strong = `kind = 'edge' AND consistency = 'strong' AND op != 'deleteAll'`;
  const weak = `kind = 'edge' AND consistency = 'weak' AND op != 'deleteAll'`;
  return [
    `CREATE MATERIALIZED VIEW IF NOT EXISTS mv_${tableNames.edgeOpsOut} TO ${tableNames.edgeOpsOut} AS SELECT ${edgeSelect} FROM ${m} WHERE ${strong}`,
    `CREATE MATERIALIZED VIEW IF NOT EXISTS mv_${tableNames.edgeOpsIn} TO ${tableNames.edgeOpsIn} AS SELECT ${edgeSelect} FROM ${m} WHERE ${strong}`,
    `CREATE MATERIALIZED VIEW IF NOT EXISTS mv_${tableNames.weakEdgesOut} TO ${tableNames.weakEdgesOut} AS SELECT ${edgeSelect}, negate(ts) AS neg_ts FROM ${m} WHERE ${weak}`,
    `CREATE MATERIALIZED VIEW IF NOT EXISTS mv_${tableNames.weakEdgesIn} TO ${tableNames.weakEdgesIn} AS SELECT ${edgeSelect}, negate(ts) AS neg_ts FROM ${m} WHERE ${weak}`,
    `CREATE MATERIALIZED VIEW IF NOT EXISTS mv_${tableNames.tombstones} TO ${tableNames.tombstones} AS SELECT
      ${tombstoneScopeSql} AS scope, from_id AS vertex, ts, okey, id, label, label_id, service, column_name
      FROM ${m} WHERE op = 'deleteAll'`,
    `CREATE MATERIALIZED VIEW IF NOT EXISTS mv_${tableNames.tombstoneKeys} TO ${tableNames.tombstoneKeys} AS SELECT ${tombstoneKeysSql(tombstoneScopeSql, "from_id")} AS k
      FROM ${m} WHERE op = 'deleteAll'`,
    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${deleteMarksView} TO ${tableNames.tombstones} AS ${deleteMarksSql(m, weakDelete, "service")}`,
    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${deleteMarkKeysView} TO ${tableNames.tombstoneKeys} AS SELECT
      arrayJoin(arrayConcat(${keysOfSql(markScopeSql.out, "from_id")}, ${keysOfSql(markScopeSql.in, "to_id")})) AS k
      FROM ${m} WHERE ${weakDelete}`,
    `CREATE MATERIALIZED VIEW IF NOT EXISTS mv_${tableNames.vertexOps} TO ${tableNames.vertexOps} AS SELECT
      service, column_name, from_id AS vertex_id, ts, okey, op, id, prop_keys, prop_values
      FROM ${m} WHERE kind = 'vertex'`,
  ];
}

/**
 * Every statement, in dependency order: tables first, then the views that feed them, then (for
 * a database that predates delete marks: `deleteMarksView` did not exist) their backfill, then
 * the refill of `tombstone_keys`.
 */
export function schemaStatements(features: StoreFeatures, options: { backfillDeleteMarks: boolean }): string[] {
  return [
    ...tableStatements(contextOf(features)),
    ...viewStatements(),
    ...(options.backfillDeleteMarks ? [deleteMarksBackfillSql()] : []),
    `INSERT INTO ${tableNames.tombstoneKeys} SELECT ${tombstoneKeysSql("scope", "vertex")} AS k FROM ${tableNames.tombstones}`,
  ];
}

/** The view that writes delete marks; a database without it predates them. */
const deleteMarksView = "mv_delete_marks";
/** The view that adds the delete marks' keys to `tombstone_keys`. */
const deleteMarkKeysView = "mv_delete_mark_keys";

/** Whether `deleteMarksView` exists in `database`: a row `{n}`, 0 or 1. */
export function deleteMarksViewCountSql(database: string): string {
  return `SELECT count() AS n FROM system.tables WHERE database = ${quoteString(database)} AND name = ${quoteString(deleteMarksView)}`;
}

/**
 * The delete marks of the weak pair deletes already stored, for a database that predates them:
 * run once, right after `deleteMarksView` is created and before the refill of `tombstone_keys`.
 * A delete written in between gets its marks twice, which the table and the set absorb.
 */
function deleteMarksBackfillSql(): string {
  return `INSERT INTO ${tableNames.tombstones} ${deleteMarksSql(tableNames.weakEdgesOut, "op = 'delete'", "''")}`;
}

/** The delete-mark scope of a weak label's sources (`out`) or targets (`in`). */
export function deleteMarkScope(labelId: number, side: "out" | "in"): string {
  return `${deleteMarkScopePrefix}${labelId}:${side}`;
}

/** Whether a `tombstone_keys` entry (`S<tab><scope>` or `V<tab><scope><tab><vertex>`) is a delete mark's. */
export function isDeleteMarkKey(key: string): boolean {
  return key.startsWith(deleteMarkScopePrefix, 2);
}

/** The `tombstone_keys` entry that says a scope has a tombstone. */
export function scopeKey(scope: string): string {
  return `S\t${scope}`;
}

/** The `tombstone_keys` entry that says a vertex has a tombstone in a scope. */
export function vertexKeyPrefix(scope: string): string {
  return `V\t${scope}\t`;
}

/** Tombstone scope of an edge deleteAll on one side of a label. */
export function labelScope(labelId: number, side: "out" | "in"): string {
  return `L:${labelId}:${side}`;
}

/** Tombstone scope of a vertex deleteAll. */
export function columnScope(service: string, column: string): string {
  return `C:${service}:${column}`;
}
