/**
 * Reads over the fold: adjacency (`edges`), degrees, vertices, quarantine rows.
 *
 * - Identifiers come from the registry through `quoteIdentifier`, values through the quoting
 *   functions; the caller's `where` is a predicate the caller built the same way.
 * - `LIMIT n BY` keeps the newest `offset + limit` edges of each vertex; the first `offset` of
 *   each are dropped here, because 18.16 has no `LIMIT offset, n BY`.
 * - Results are typed by the registry (typed.ts): ids by their column type, props by their
 *   data type, defaults filled in.
 */
import { EdgeflowError, type PropValue } from "../../lib/index.ts";
import { quoteIdentifier, quoteString, quoteValue } from "../quote.ts";
import type { Row, Store } from "../types.ts";
import { edgeFoldSql, endScopes, tombstoneLookupSql, vertexFoldSql, type EdgeFoldSpec, type TombstoneSource } from "./fold-sql.ts";
import { tableNames } from "./schema.ts";
import { idText, idValue, resultValue } from "./typed.ts";
import type {
  DegreeRow, DegreesQuery, EdgeRow, EdgesQuery, QuarantineQuery, QuarantineRow, VertexRow, VerticesQuery,
} from "./types.ts";

/**
 * Vertices one read may name. The id list appears a few times in a read's SQL (per table side
 * and in the tombstone lookups), so with short ids this stays far below the store's 255 KiB
 * statement limit; very long string ids can still pass it, and then the read fails as
 * "too_large": read the frontier in smaller chunks.
 */
export const vertexIdsMax = 500;
/** Edges one read may return per vertex (S2Graph's `query.hardlimit`). */
export const edgesPerVertexMax = 100_000;
export const quarantineRowsMax = 10_000;
/**
 * Tombstones a read inlines as constants; past this many it joins the tombstone table instead.
 * Inlined, a strong read plans ~15-30 ms faster than with the two joins (chDB, see
 * fold-sql.ts); the lookup before it is one small indexed query. The bound keeps the inlined
 * keys (ids up to 249 bytes plus a ~60-byte key each) far below the statement size limit.
 */
export const tombstoneConstantsMaxDefault = 200;

function invalid(message: string, detail: Record<string, unknown> = {}): EdgeflowError {
  return new EdgeflowError("invalid", "graph.bad_query", message, detail);
}

function checkCount(name: string, value: number, max: number): number {
  if (!Number.isSafeInteger(value) || value < 0 || value > max) throw invalid(`${name} must be an integer in 0..${max}`, { [name]: value });
  return value;
}

function idTexts(ids: readonly PropValue[]): string[] {
  if (ids.length > vertexIdsMax) throw invalid(`at most ${vertexIdsMax} vertex ids a read`, { count: ids.length });
  return [...new Set(ids.map(idText))];
}

function foldSpec(query: EdgesQuery | DegreesQuery, tombstones?: TombstoneSource): EdgeFoldSpec {
  const to = "to" in query ? query.to : undefined;
  return {
    label: query.label,
    direction: query.direction,
    vertexIds: idTexts(query.vertexIds),
    ...(to === undefined ? {} : { to: idText(to) }),
    mode: "read",
    ...(tombstones === undefined ? {} : { tombstones }),
  };
}

/**
 * The newest edges of each vertex, `LIMIT n BY` the queried end. Tombstones are joined unless
 * given (readEdges looks them up first).
 */
export function edgesSql(query: EdgesQuery, tombstones?: TombstoneSource): string {
  const limit = checkCount("limit", query.limit, edgesPerVertexMax);
  const offset = checkCount("offset", query.offset ?? 0, edgesPerVertexMax);
  const fold = edgeFoldSql(foldSpec(query, tombstones));
  const conditions: string[] = [];
  // On lines of its own: a trailing `--` comment in the predicate cannot swallow the rest.
  if (query.where !== undefined && query.where.trim() !== "") conditions.push(`(\n${query.where}\n)`);
  if (query.tsFrom !== undefined) conditions.push(`\`timestamp\` >= ${quoteValue(query.tsFrom)}`);
  if (query.tsTo !== undefined) conditions.push(`\`timestamp\` < ${quoteValue(query.tsTo)}`);
  const where = conditions.length > 0 ? `\nWHERE ${conditions.join(" AND ")}` : "";
  const order = [...orderColumns(query), "`timestamp` DESC", "_o", "_wk DESC"];
  // The clauses go straight onto the fold's last SELECT (its aliases are usable in WHERE and
  // ORDER BY): one subquery level less to plan, ~2 ms a read on chDB.
  return `${fold}${where}
ORDER BY _v, ${order.join(", ")}
LIMIT ${offset + limit} BY _v`;
}

/** Columns of `orderBy`, each descending; names only from the label's registry entry. */
function orderColumns(query: EdgesQuery): string[] {
  const system: Record<string, string> = { _timestamp: "timestamp", _from: "from", _to: "to" };
  const known = new Set(query.label.props.map((prop) => prop.name));
  return (query.orderBy ?? []).map((name) => {
    const column = system[name] ?? (known.has(name) ? name : undefined);
    if (column === undefined) throw invalid(`orderBy names ${JSON.stringify(name)}, which label ${query.label.label} does not define`);
    return `${quoteIdentifier(column)} DESC`;
  });
}

/**
 * The deleteAll tombstones that can hit the edges of a read, as constants for the fold; a join
 * when there are more than `constantsMax` (or `constantsMax` is 0).
 */
async function tombstonesFor(store: Store, spec: EdgeFoldSpec, constantsMax: number): Promise<TombstoneSource> {
  if (constantsMax <= 0) return { kind: "join" };
  const rows = await store.query<{ scope: string; vertex: string; k: string }>(tombstoneLookupSql(spec));
  if (rows.length > constantsMax) return { kind: "join" };
  const scopes = endScopes(spec);
  const queriedScopes = new Set(scopes.queried);
  const otherScopes = new Set(scopes.other);
  const queriedIds = new Set(spec.vertexIds);
  const queried = new Map<string, string>();
  const other = new Map<string, string>();
  const keep = (map: Map<string, string>, vertex: string, key: string): void => {
    if (key > (map.get(vertex) ?? "")) map.set(vertex, key);
  };
  for (const row of rows) {
    const vertex = String(row.vertex);
    if (queriedScopes.has(row.scope) && queriedIds.has(vertex)) keep(queried, vertex, String(row.k));
    if (otherScopes.has(row.scope)) keep(other, vertex, String(row.k));
  }
  return { kind: "constants", queried, other };
}

export async function readEdges(store: Store, query: EdgesQuery, tombstoneConstantsMax = tombstoneConstantsMaxDefault): Promise<EdgeRow[]> {
  if (query.vertexIds.length === 0 || query.limit === 0) {
    checkCount("limit", query.limit, edgesPerVertexMax);
    return [];
  }
  const tombstones = await tombstonesFor(store, foldSpec(query), tombstoneConstantsMax);
  const rows = await store.query<Row>(edgesSql(query, tombstones));
  const { label, direction } = query;
  const queriedIsTarget = direction === "in" && label.isDirected;
  const vType = queriedIsTarget ? label.tgtColumnType : label.srcColumnType;
  const oType = queriedIsTarget ? label.srcColumnType : label.tgtColumnType;
  const offset = query.offset ?? 0;
  const seen = new Map<string, number>();
  const out: EdgeRow[] = [];
  for (const row of rows) {
    const v = String(row._v);
    const position = seen.get(v) ?? 0;
    seen.set(v, position + 1);
    if (position < offset) continue;
    const props: Record<string, PropValue> = {};
    for (const prop of label.props) props[prop.name] = resultValue(row[prop.name], prop.dataType);
    out.push({ label: label.label, direction, from: idValue(v, vType), to: idValue(String(row._o), oType), ts: Number(row.timestamp), props });
  }
  return out;
}

export async function readDegrees(store: Store, query: DegreesQuery, tombstoneConstantsMax = tombstoneConstantsMaxDefault): Promise<DegreeRow[]> {
  if (query.vertexIds.length === 0) return [];
  const spec = foldSpec(query);
  const fold = edgeFoldSql({ ...spec, tombstones: await tombstonesFor(store, spec, tombstoneConstantsMax) });
  const rows = await store.query<{ _v: string; degree: string }>(`SELECT _v, count() AS degree FROM (${fold}) GROUP BY _v`);
  const counts = new Map(rows.map((row) => [String(row._v), Number(row.degree)]));
  return query.vertexIds.map((vertexId) => ({ vertexId, degree: counts.get(idText(vertexId)) ?? 0 }));
}

export async function readVertices(store: Store, query: VerticesQuery): Promise<VertexRow[]> {
  const ids = idTexts(query.ids);
  if (ids.length === 0) return [];
  const rows = await store.query<Row>(`${vertexFoldSql(query.column, ids, "read")}\nORDER BY _v`);
  return rows.map((row) => {
    const props: Record<string, PropValue> = {};
    for (const prop of query.column.props) props[prop.name] = resultValue(row[prop.name], prop.dataType);
    return { id: idValue(String(row._v), query.column.columnType), ts: Number(row._wts), props };
  });
}

export async function readQuarantine(store: Store, query: QuarantineQuery = {}): Promise<QuarantineRow[]> {
  const limit = checkCount("limit", query.limit ?? 1000, quarantineRowsMax);
  const where = query.service === undefined ? "" : ` WHERE service = ${quoteString(query.service)}`;
  const rows = await store.query<Row>(`SELECT received_ms, service, code, message, line, idx, raw_text, raw_bytes, raw_truncated
    FROM ${tableNames.quarantine} FINAL${where} ORDER BY received_ms, idx, row_id LIMIT ${limit}`);
  return rows.map((row) => ({
    rawText: String(row.raw_text),
    rawBytes: Number(row.raw_bytes),
    rawTruncated: Number(row.raw_truncated) === 1,
    code: String(row.code),
    message: String(row.message),
    line: row.line === null || row.line === undefined ? undefined : Number(row.line),
    index: Number(row.idx),
    receivedAtMs: Number(row.received_ms),
    service: row.service === "" ? undefined : String(row.service),
  }));
}
