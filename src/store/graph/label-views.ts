/**
 * One typed SQL view a label for analysts: `label_<name>` with columns `from`, `to`,
 * `timestamp` and one column per prop in its exact type (Int64/Int32/Int16/Int8, Float32/
 * Float64, UInt8 for boolean, String), defaults filled in, showing the current state: the
 * fold for strong labels, every live edge for weak ones. Undirected labels show each edge once,
 * from its smaller end (in byte order of the stored ids).
 *
 * 18.16 has no `CREATE OR REPLACE VIEW` and no `DROP VIEW`: a view is replaced by
 * `DROP TABLE IF EXISTS` + `CREATE VIEW IF NOT EXISTS` (so two nodes syncing at once do not
 * fail), and only when its SQL changed: `graph_views` keeps the hash of the SQL each view was
 * made from, so a restart does not drop views analysts are querying.
 */
import { createHash } from "node:crypto";
import type { LabelDef } from "../../lib/index.ts";
import { quoteIdentifier, quoteString } from "../quote.ts";
import type { Store } from "../types.ts";
import { edgeFoldSql } from "./fold-sql.ts";
import { tableNames } from "./schema.ts";
import type { SyncLabelsResult } from "./types.ts";

const viewPrefix = "label_";

export function labelViewName(label: string): string {
  return `${viewPrefix}${label}`;
}

/** The view's SELECT: the whole label folded, typed for analysts. */
export function labelViewSql(label: LabelDef): string {
  const fold = edgeFoldSql({ label, direction: "out", vertexIds: undefined, mode: "analyst" });
  const columns = ["from", "to", "timestamp", ...label.props.map((prop) => prop.name)].map(quoteIdentifier);
  return `SELECT ${columns.join(", ")} FROM (${fold})`;
}

function hashOf(sql: string): string {
  return createHash("sha256").update(sql).digest("hex");
}

async function installedViews(store: Store): Promise<{ existing: Set<string>; hashes: Map<string, string> }> {
  const tables = await store.query<{ name: string }>(`SELECT name FROM system.tables
    WHERE database = ${quoteString(store.database)} AND engine = 'View' AND substring(name, 1, ${viewPrefix.length}) = ${quoteString(viewPrefix)}`);
  const recorded = await store.query<{ name: string; definition_hash: string }>(
    `SELECT name, argMax(definition_hash, updated_ms) AS definition_hash FROM ${tableNames.graphViews} GROUP BY name`,
  );
  return {
    existing: new Set(tables.map((row) => String(row.name))),
    hashes: new Map(recorded.map((row) => [String(row.name), String(row.definition_hash)])),
  };
}

async function record(store: Store, name: string, hash: string, label: LabelDef | undefined, nowMs: number): Promise<void> {
  const row = { name, definition_hash: hash, label_id: label?.id ?? 0, label_version: label?.version ?? 0, updated_ms: nowMs };
  await store.insert({ table: tableNames.graphViews, format: "JSONEachRow", body: `${JSON.stringify(row)}\n` });
}

/** Creates or replaces the views of `labels` whose SQL changed, and drops views of labels not listed. */
export async function syncLabelViews(store: Store, labels: readonly LabelDef[], now: () => number): Promise<SyncLabelsResult> {
  const { existing, hashes } = await installedViews(store);
  const result: SyncLabelsResult = { replaced: [], dropped: [] };
  const wanted = new Set<string>();
  for (const label of labels) {
    const name = labelViewName(label.label);
    wanted.add(name);
    const sql = labelViewSql(label);
    const hash = hashOf(sql);
    if (existing.has(name) && hashes.get(name) === hash) continue;
    await store.exec(`DROP TABLE IF EXISTS ${quoteIdentifier(name)}`);
    await store.exec(`CREATE VIEW IF NOT EXISTS ${quoteIdentifier(name)} AS ${sql}`);
    await record(store, name, hash, label, now());
    result.replaced.push(name);
  }
  for (const name of existing) {
    if (wanted.has(name)) continue;
    await store.exec(`DROP TABLE IF EXISTS ${quoteIdentifier(name)}`);
    await record(store, name, "", undefined, now());
    result.dropped.push(name);
  }
  return result;
}
