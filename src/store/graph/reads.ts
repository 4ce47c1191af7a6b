/**
 * Reads over the fold: adjacency (`edges`), degrees, vertices, quarantine rows.
 *
 * - Identifiers come from the registry through `quoteIdentifier`, values through the quoting
 *   functions; the caller's `where` is a predicate the caller built the same way.
 * - `LIMIT n BY` keeps the newest `offset + limit` edges of each vertex; the first `offset` of
 *   each are dropped here, because 18.16 has no `LIMIT offset, n BY`.
 * - Results are typed by the registry (typed.ts): ids by their column type, props by their
 *   data type, defaults filled in.
 * - Weak labels on engines with window functions are read with the one-level scan
 *   (`scanRead`, fold-sql.ts `weakScanSql`) and fall back to the fold only when the scan is
 *   not exact (a pair delete among the rows, replays filling a page, too many tombstones).
 */
import { EdgeflowError, assert, type DataType, type PropValue } from "../../lib/index.ts";
import { quoteIdentifier, quoteString, quoteValue } from "../quote.ts";
import type { Row, Store, StoreFeatures } from "../types.ts";
import {
  edgeFoldSql, endScopes, isDeleteMarkHit, isTombstoneHit, tombstoneLookupSql, vertexFoldSql, weakEdgesWithDegreesSql, weakScanSql, type EdgeFoldSpec, type TombstoneSource,
} from "./fold-sql.ts";
import { compareBytes, deleteRank, rankOf } from "./order-key.ts";
import { tableNames } from "./schema.ts";
import { endTypes, idText, idValue, isIntegerType, resultValue, storedValue } from "./typed.ts";
import type {
  DegreeRow, DegreesQuery, EdgeRow, EdgesQuery, EdgesWithDegrees, QuarantineQuery, QuarantineRow, VertexRow, VerticesQuery,
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
 * Tombstones a read inlines as constants; past this many the fold joins the tombstone table
 * instead (and a weak scan folds).
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

/** The caller's `where` and the duration as one predicate over the fold's columns, or undefined. */
function filterOf(query: EdgesQuery): string | undefined {
  const conditions: string[] = [];
  // On lines of its own: a trailing `--` comment in the predicate cannot swallow the rest.
  if (query.where !== undefined && query.where.trim() !== "") conditions.push(`(\n${query.where}\n)`);
  if (query.tsFrom !== undefined) conditions.push(`\`timestamp\` >= ${quoteValue(query.tsFrom)}`);
  if (query.tsTo !== undefined) conditions.push(`\`timestamp\` < ${quoteValue(query.tsTo)}`);
  return conditions.length > 0 ? conditions.join(" AND ") : undefined;
}

function pageOf(query: EdgesQuery): { limit: number; offset: number } {
  return { limit: checkCount("limit", query.limit, edgesPerVertexMax), offset: checkCount("offset", query.offset ?? 0, edgesPerVertexMax) };
}

/**
 * The newest edges of each vertex, `LIMIT n BY` the queried end. Tombstones are joined unless
 * given (readEdges looks them up first, or checks that there are none).
 */
export function edgesSql(query: EdgesQuery, tombstones?: TombstoneSource): string {
  const { limit, offset } = pageOf(query);
  const fold = edgeFoldSql(foldSpec(query, tombstones));
  const filter = filterOf(query);
  // The clauses go straight onto the fold's last SELECT (its aliases are usable in WHERE and
  // ORDER BY): one subquery level less to plan, ~2 ms a read on chDB.
  return `${fold}${filter === undefined ? "" : `\nWHERE ${filter}`}
ORDER BY _v, ${orderOf(query).join(", ")}
LIMIT ${offset + limit} BY _v`;
}

/**
 * `edgesSql` and the degree of each queried vertex in one statement, the fold planned once
 * (18.16 has no window functions): the fold's rows are grouped by `_v` into `_deg` (every live
 * edge) and an array of the rows that pass the filter, which an ARRAY JOIN turns back into rows
 * for the usual order and `LIMIT n BY`. With a filter, `LEFT ARRAY JOIN` keeps a vertex none of
 * whose edges pass, as one row with `_n = 0` that carries only its degree. A weak read without a
 * filter takes `weakEdgesWithDegreesSql` instead, which groups per vertex straight from the pairs.
 */
export function edgesWithDegreesSql(query: EdgesQuery, tombstones?: TombstoneSource): string {
  const { limit, offset } = pageOf(query);
  if (query.to !== undefined) throw invalid("a read with degrees cannot name `to`");
  const filter = filterOf(query);
  if (filter === undefined && query.label.consistencyLevel === "weak") {
    // Three levels instead of five (weakEdgesWithDegreesSql): the degrees come with the edges.
    return `${weakEdgesWithDegreesSql(foldSpec(query, tombstones))}
ORDER BY _v, ${orderOf(query).join(", ")}
LIMIT ${offset + limit} BY _v`;
  }
  const fold = edgeFoldSql(foldSpec(query, tombstones));
  const columns = ["_o", "_wk", ...["from", "to", "timestamp", ...query.label.props.map((prop) => prop.name)].map(quoteIdentifier)];
  const tuple = `(${columns.join(", ")})`;
  const check = tombstones?.kind === "checked" ? ", any(_tc) AS _tc" : "";
  const grouped = `SELECT _v, count() AS _deg${check}, ${filter === undefined ? `groupArray(${tuple})` : `groupArrayIf(${tuple}, ${filter})`} AS _rs
  FROM (${fold}) GROUP BY _v`;
  const unpacked = columns.map((column, i) => `_r.${i + 1} AS ${column}`).join(", ");
  return `SELECT _v, _deg${check === "" ? "" : ", _tc"}, length(_rs) AS _n, ${unpacked}
FROM (${grouped})
${filter === undefined ? "" : "LEFT "}ARRAY JOIN _rs AS _r
ORDER BY _v, ${orderOf(query).join(", ")}
LIMIT ${offset + limit} BY _v`;
}

/** `orderBy`, then newest first, then `last` (by default the stored other end, then the latest write). */
function orderOf(query: EdgesQuery, last: readonly string[] = ["_o", "_wk DESC"]): string[] {
  const columns = orderColumns(query);
  // Each ORDER BY item costs a read ~0.2 ms to plan (chDB), so the newest-first tiebreak is not repeated.
  const newest = "`timestamp` DESC";
  return [...columns, ...(columns.includes(newest) ? [] : [newest]), ...last];
}

/**
 * Rows ordered by (`tieGroup`, newest first, latest write), one more a vertex than `page`, as
 * the full index order (`tieGroup`, `to` descending, newest first, stored `to`, latest write)
 * and `page` a vertex; undefined when a vertex's last row of the page and the one after it
 * have equal `tieGroup` values (which of the group's rows make the page depends on `to`).
 */
function sortedTies(rows: readonly Row[], page: number, tieGroup: readonly string[], toType: DataType): Row[] | undefined {
  const tied = (a: Row, b: Row): boolean => tieGroup.every((name) => a[name] === b[name]);
  const newestInGroup = tieGroup.includes("timestamp");
  // Typed once a row, not once a comparison.
  const toValues = new Map<Row, bigint>();
  const toValue = (row: Row): bigint => {
    let value = toValues.get(row);
    if (value === undefined) {
      value = BigInt(String(storedValue(String(row._o), { name: "to", dataType: toType, defaultValue: 0 })));
      toValues.set(row, value);
    }
    return value;
  };
  const byTo = (a: Row, b: Row): number => {
    const [ta, tb] = [toValue(a), toValue(b)];
    if (ta !== tb) return ta > tb ? -1 : 1;
    if (!newestInGroup && a.timestamp !== b.timestamp) return BigInt(String(a.timestamp)) > BigInt(String(b.timestamp)) ? -1 : 1;
    return compareBytes(String(a._o), String(b._o)) || compareBytes(String(b._wk), String(a._wk));
  };
  const out: Row[] = [];
  for (let start = 0; start < rows.length;) {
    let end = start + 1;
    while (end < rows.length && String((rows[end] as Row)._v) === String((rows[start] as Row)._v)) end += 1;
    let vertexRows = rows.slice(start, end);
    start = end;
    if (vertexRows.length > page) {
      if (tied(vertexRows[page - 1] as Row, vertexRows[page] as Row)) return undefined;
      vertexRows = vertexRows.slice(0, page);
    }
    for (let from = 0; from < vertexRows.length;) {
      let to = from + 1;
      while (to < vertexRows.length && tied(vertexRows[from] as Row, vertexRows[to] as Row)) to += 1;
      out.push(...(to - from > 1 ? vertexRows.slice(from, to).sort(byTo) : vertexRows.slice(from, to)));
      from = to;
    }
  }
  return out;
}

/** Columns of `orderBy`, each descending; names only from the label's registry entry. */
function orderColumns(query: EdgesQuery): string[] {
  return orderNames(query).map((column) => `${quoteIdentifier(column)} DESC`);
}

/** The result columns `orderBy` names (`_timestamp` is `timestamp`, `_from` `from`, `_to` `to`). */
function orderNames(query: EdgesQuery): string[] {
  const system: Record<string, string> = { _timestamp: "timestamp", _from: "from", _to: "to" };
  const known = new Set(query.label.props.map((prop) => prop.name));
  return (query.orderBy ?? []).map((name) => {
    const column = system[name] ?? (known.has(name) ? name : undefined);
    if (column === undefined) throw invalid(`orderBy names ${JSON.stringify(name)}, which label ${query.label.label} does not define`);
    return column;
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

/**
 * How a store instance reads tombstones: the constants bound, and the scopes in which a read has
 * seen a tombstone that could hit it. The set is only a hint, so it is safe across processes
 * writing the same database: a scope in it makes reads look tombstones up first (2 statements,
 * always exact); a scope not in it (yet) makes them fold as if there were none and check that in
 * the same statement (1 statement), reading again with a lookup when the check finds one. A
 * scope is never taken out: tombstones are not deleted.
 */
export interface TombstoneReads {
  constantsMax: number;
  scopesSeen: Set<string>;
}

export function tombstoneReads(constantsMax: number): TombstoneReads {
  return { constantsMax, scopesSeen: new Set() };
}

/**
 * Runs a read, `sqlOf` given where its tombstones come from (see `TombstoneReads`): checked in
 * the same statement while none has been seen in the read's scopes, else looked up first.
 * `emptyIsExact`: an empty answer without tombstones is the answer with them too. Tombstones
 * only hide edges, so an empty read stays empty, unless a filter looks at props, which a
 * tombstone resets on a strong label. `joinable`: whether `sqlOf` takes the joined tombstone
 * table; when it does not, and the tombstones are too many to inline, the answer is undefined.
 * `inexact`: rows that no tombstone could make exact (a weak scan that meets a delete mark),
 * for which the answer is undefined at once.
 */
async function readWithTombstones<T extends Row>(
  store: Store, spec: EdgeFoldSpec, reads: TombstoneReads, sqlOf: (tombstones: TombstoneSource) => string,
  options: { emptyIsExact: boolean; joinable: boolean; inexact?: (rows: readonly T[]) => boolean },
): Promise<T[] | undefined> {
  if (reads.constantsMax <= 0) return options.joinable ? store.query<T>(sqlOf({ kind: "join" })) : undefined;
  const exact = (rows: T[]): T[] | undefined => (options.inexact?.(rows) ? undefined : rows);
  const scopes = endScopes(spec);
  const all = [...scopes.queried, ...scopes.other];
  if (!all.some((scope) => reads.scopesSeen.has(scope))) {
    const rows = exact(await store.query<T>(sqlOf({ kind: "checked" })));
    if (rows === undefined) return undefined;
    const hit = rows.some((row) => isTombstoneHit(row._tc));
    if (!hit && (rows.length > 0 || options.emptyIsExact)) return rows;
    if (hit) for (const scope of all) reads.scopesSeen.add(scope);
  }
  const tombstones = await tombstonesFor(store, spec, reads.constantsMax);
  if (tombstones.kind === "join" && !options.joinable) return undefined;
  return exact(await store.query<T>(sqlOf(tombstones)));
}

/** A fold read: the fold takes tombstones from anywhere, so there is always an answer. */
async function foldRead<T extends Row>(
  store: Store, spec: EdgeFoldSpec, reads: TombstoneReads, sqlOf: (tombstones: TombstoneSource) => string, emptyIsExact: boolean,
): Promise<T[]> {
  return (await readWithTombstones<T>(store, spec, reads, sqlOf, { emptyIsExact, joinable: true })) as T[];
}

/** What a read needs to know of the engine. */
type ReadFeatures = Pick<StoreFeatures, "windowFunctions">;

/** Whether a read can take the one-level weak scan (fold-sql.ts `weakScanSql`). */
function scans(query: EdgesQuery, features: ReadFeatures): boolean {
  const { label } = query;
  return features.windowFunctions && label.consistencyLevel === "weak" && label.isDirected && query.to === undefined && filterOf(query) === undefined;
}

/**
 * A weak read through the scan, its tombstones found as the fold's are (`readWithTombstones`),
 * with each vertex's degree as `_deg` when `degrees`. Undefined when the scan is not exact (a
 * pair delete among a vertex's rows, replayed copies filling a page, or more tombstones than
 * the constants bound): fold instead. Weak edges are rarely deleted one by one, so the scan is
 * the usual path.
 */
async function scanRead(store: Store, query: EdgesQuery, reads: TombstoneReads, degrees: boolean): Promise<Row[] | undefined> {
  const names = orderNames(query);
  const toType = endTypes(query.label, query.direction).other;
  // With `to` alone there is no group to sort within: every row would tie, so SQL orders it.
  if (names.length > 1 && names.at(-1) === "to" && isIntegerType(toType)) {
    const rows = await scanRows(store, query, reads, degrees, { group: names.slice(0, -1), toType });
    if (rows !== "tie at the page end") return rows;
  }
  const rows = await scanRows(store, query, reads, degrees);
  assert(rows !== "tie at the page end", "a scan ordered in SQL has no tie to resolve");
  return rows;
}

/**
 * The scan's rows. With `ties` (`group`: the order columns before a last, integer `to`), ORDER
 * BY leaves `to` out and the rows of equal `group` values are sorted by it here: typing `to`
 * in SQL to order by it cost ~0.35 ms a read (chDB, 1-step limit 100). One row more a vertex
 * shows whether the page ends inside such a group; then which rows make the page depends on
 * `to`, and the answer is "tie at the page end" (the caller reads again, ordered in SQL).
 */
async function scanRows(
  store: Store, query: EdgesQuery, reads: TombstoneReads, degrees: boolean, ties?: { group: readonly string[]; toType: DataType },
): Promise<Row[] | undefined | "tie at the page end"> {
  const { limit, offset } = pageOf(query);
  const page = offset + limit;
  const spec = foldSpec(query);
  const ordered = ties === undefined ? query : { ...query, orderBy: (query.orderBy ?? []).slice(0, -1) };
  // Typed columns only for what ORDER BY names (`orderColumns`); the rest is typed here.
  const typed = new Set(orderNames(ordered));
  const sqlOf = (tombstones: TombstoneSource): string => `${weakScanSql({ ...spec, tombstones }, typed, degrees)}
ORDER BY _v, ${orderOf(ordered, ties === undefined ? ["_o", "_wk DESC"] : ["_wk DESC"]).join(", ")}
LIMIT ${ties === undefined ? page : page + 1} BY _v`;
  // A scan has no filter, so its empty answer is exact.
  // A pair delete among the rows (its mark, or, should a mark be missing, a delete row the page
  // shows) makes the scan inexact: the caller folds.
  const inexact = (found: readonly Row[]): boolean => found.some((row) => isDeleteMarkHit(row._tc) || rankOf(String(row._wk)) === deleteRank);
  const rows = await readWithTombstones<Row>(store, spec, reads, sqlOf, { emptyIsExact: true, joinable: false, inexact });
  if (rows === undefined) return undefined;
  const deduplicated = withoutReplays(rows, ties === undefined ? page : page + 1);
  if (deduplicated === undefined) return undefined;
  const kept = ties === undefined ? deduplicated : sortedTies(deduplicated, page, ties.group, ties.toType);
  if (kept === undefined) return "tie at the page end";
  // The props come as the stored arrays `_pk`, `_pv`: `edgeRowOf` types them.
  return kept;
}

/**
 * A scan's rows without replayed copies (the row before it has the same vertex and order key),
 * or undefined when a vertex with copies filled its `LIMIT n BY`: its page is short by the
 * copies, so the read folds instead. Replays only follow a crash between insert and checkpoint.
 */
function withoutReplays(rows: readonly Row[], cap: number): Row[] | undefined {
  const kept: Row[] = [];
  const counts = new Map<string, number>();
  const replayed = new Set<string>();
  let previous: Row | undefined;
  for (const row of rows) {
    const v = String(row._v);
    counts.set(v, (counts.get(v) ?? 0) + 1);
    if (previous !== undefined && String(previous._v) === v && previous._wk === row._wk) replayed.add(v);
    else kept.push(row);
    previous = row;
  }
  for (const v of replayed) if ((counts.get(v) ?? 0) >= cap) return undefined;
  return kept;
}

function emptyIsExact(query: EdgesQuery): boolean {
  return query.label.consistencyLevel === "weak" || query.where === undefined || query.where.trim() === "";
}

function edgeRowOf(query: EdgesQuery, row: Row): EdgeRow {
  const { label, direction } = query;
  const { queried: vType, other: oType } = endTypes(label, direction);
  const props: Record<string, PropValue> = {};
  if (Array.isArray(row._pk)) {
    // A scan's row: the stored arrays, typed here as the fold types them in SQL.
    const keys = row._pk as string[];
    const values = row._pv as string[];
    for (const prop of label.props) {
      const at = keys.indexOf(prop.name);
      props[prop.name] = storedValue(at < 0 ? undefined : values[at], prop);
    }
  } else {
    for (const prop of label.props) props[prop.name] = resultValue(row[prop.name], prop.dataType);
  }
  return { label: label.label, direction, from: idValue(String(row._v), vType), to: idValue(String(row._o), oType), ts: Number(row.timestamp), props };
}

/** The rows past each vertex's first `offset`, as edges (`LIMIT n BY` cannot skip on 18.16). */
function pageRows(query: EdgesQuery, rows: readonly Row[]): EdgeRow[] {
  const offset = query.offset ?? 0;
  const seen = new Map<string, number>();
  const out: EdgeRow[] = [];
  for (const row of rows) {
    if (row._n !== undefined && Number(row._n) === 0) continue;
    const v = String(row._v);
    const position = seen.get(v) ?? 0;
    seen.set(v, position + 1);
    if (position < offset) continue;
    out.push(edgeRowOf(query, row));
  }
  return out;
}

export async function readEdges(store: Store, query: EdgesQuery, reads: TombstoneReads, features: ReadFeatures): Promise<EdgeRow[]> {
  if (query.vertexIds.length === 0 || query.limit === 0) {
    checkCount("limit", query.limit, edgesPerVertexMax);
    return [];
  }
  if (scans(query, features)) {
    const scanned = await scanRead(store, query, reads, false);
    if (scanned !== undefined) return pageRows(query, scanned);
  }
  const rows = await foldRead<Row>(store, foldSpec(query), reads, (tombstones) => edgesSql(query, tombstones), emptyIsExact(query));
  return pageRows(query, rows);
}

export async function readDegrees(store: Store, query: DegreesQuery, reads: TombstoneReads): Promise<DegreeRow[]> {
  if (query.vertexIds.length === 0) return [];
  const spec = foldSpec(query);
  const sqlOf = (tombstones: TombstoneSource): string =>
    `SELECT _v, count() AS degree${tombstones.kind === "checked" ? ", any(_tc) AS _tc" : ""} FROM (${edgeFoldSql({ ...spec, tombstones })}) GROUP BY _v`;
  const rows = await foldRead<{ _v: string; degree: string }>(store, spec, reads, sqlOf, true);
  const counts = new Map(rows.map((row) => [String(row._v), Number(row.degree)]));
  return query.vertexIds.map((vertexId) => ({ vertexId, degree: counts.get(idText(vertexId)) ?? 0 }));
}

/**
 * `readEdges` and `readDegrees` of the same vertices in one statement (`edgesWithDegreesSql`).
 * The degrees count every live edge, whatever the page, `where` and duration.
 */
export async function readEdgesWithDegrees(store: Store, query: EdgesQuery, reads: TombstoneReads, features: ReadFeatures): Promise<EdgesWithDegrees> {
  if (query.vertexIds.length === 0) return { edges: [], degrees: [] };
  if (query.limit === 0) {
    checkCount("offset", query.offset ?? 0, edgesPerVertexMax);
    return { edges: [], degrees: await readDegrees(store, query, reads) };
  }
  // Every vertex with a live edge has a row (LEFT ARRAY JOIN keeps those whose edges the filter
  // drops; a scan has no filter), so empty is exact.
  const rows = (scans(query, features) ? await scanRead(store, query, reads, true) : undefined)
    ?? await foldRead<Row>(store, foldSpec(query), reads, (tombstones) => edgesWithDegreesSql(query, tombstones), true);
  const counts = new Map<string, number>();
  for (const row of rows) counts.set(String(row._v), Number(row._deg));
  const degrees = query.vertexIds.map((vertexId) => ({ vertexId, degree: counts.get(idText(vertexId)) ?? 0 }));
  return { edges: pageRows(query, rows), degrees };
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
