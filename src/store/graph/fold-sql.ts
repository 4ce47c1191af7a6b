/**
 * The read-time fold, as SQL: one SELECT per label that turns the op rows into the current
 * edges, with typed prop columns. reads.ts wraps it (filters, order, `LIMIT n BY`); label
 * views (label-views.ts) select from it whole. The TypeScript reference (reference-fold.ts)
 * states the same rules as a sequential fold; the property test compares the two.
 *
 * Every comparison is on `okey` (order-key.ts): "later" is "greater okey", so ties between
 * equal timestamps follow one fixed precedence, and a delete at T hides anything at or before T.
 *
 * Strong labels, per edge (GROUP BY the queried end `_v` and the other end `_o`):
 *
 *   A  op rows of the queried vertices (edge_ops_out by from, or edge_ops_in by to; both for
 *      undirected labels, which read the same edge from either end)
 *   B  GROUP BY _v, _o:
 *        _r0 = maxIf(okey, insert|insertBulk|delete)   the latest op that resets every prop
 *        _d0 = maxIf(okey, delete)                     the latest delete
 *        _wk = maxIf(okey, insert|insertBulk|update|increment), _wts its timestamp
 *        per prop i:  _s_i = maxIf(okey, a set of i: insert|insertBulk|update naming i)
 *                     _x_i = argMaxIf(value of i, okey, the same)
 *                     _n_i = groupUniqArrayIf((okey, value of i), increment of i)
 *      HAVING _wk > _d0 (no later write: deleted whatever the tombstones say)
 *   C  the latest deleteAll tombstone of each end, `_t`: a deleteAll of the source or target
 *      vertex at T is a delete of the edge at T. Either joined from `tombstones` (views), or
 *      given as constants read just before (reads: two `transform`s instead of two joins)
 *   D  _rk = max(_r0, _t); live iff _wk > max(_d0, _t). Per prop: the value set at the
 *      latest reset survives iff that set is not older than _rk (_b_i); increments count iff
 *      later than the cut max(_s_i, _rk) (_m_i); the prop exists iff _b_i or a counted
 *      increment; its value is the set value plus the counted increments.
 *   E  typed columns: `from`, `to`, `timestamp`, one per prop, defaults filled in.
 *
 * Replays: duplicates of a mutation have equal rows, which max/argMax and the uniq-array of
 * (okey, value) ignore, so folds read without FINAL: weak edges are collected per pair with
 * `groupUniqArrayIf`, where a replayed copy is the same tuple.
 *
 * Weak labels: every insert/update/increment/insertBulk is its own edge (multi-edges, as in
 * S2Graph where weak writes are blind). An edge is hidden by a delete of its pair, or a
 * deleteAll tombstone of either end, with a greater okey, that is at or after its timestamp.
 * S2Graph's weak delete removes the index entry of exactly the edge sent back (the documented
 * use is to send back edges a query returned); here it hides every edge of that pair up to
 * its timestamp, which gives the same result for that use and does not depend on which copy
 * of a multi-edge a client names.
 *
 * Shape for speed: the cost of these queries on tiny data is the analyzer's, not execution
 * (chDB: EXPLAIN QUERY TREE took 49 of 65 ms). A SELECT whose aliases build on each other
 * (_t -> _rk -> _b -> _c -> _m -> _y) is expanded into every use and cost ~17 ms for five props
 * on its own; so each derived value is computed one subquery level below its uses, and
 * tombstones are constants where possible (two joins cost ~15-20 ms).
 *
 * 18.16 notes: a lambda cannot capture a column of a subquery ("Unknown identifier"), so the
 * cut is passed to `arrayFilter` as a second array; joined subqueries carry aliases (26.x
 * requires them); `ifNull` around joined columns keeps the fold right under join_use_nulls=1.
 */
import type { ColumnDef, DataType, Direction, LabelDef, PropDef } from "../../lib/index.ts";
import { quoteIdentifier, quoteString } from "../quote.ts";
import { columnScope, deleteMarkScope, isDeleteMarkKey, labelScope, scopeKey, tableNames, vertexKeyPrefix } from "./schema.ts";
import { defaultLiteral, endTypes, isNumericType, narrow, parseText, queriesTargets, type TypeMode } from "./typed.ts";

/**
 * Where the deleteAll tombstones of the edges' ends come from: joined from the table (any
 * number, slower to plan), or the latest key of each end read beforehand (`tombstoneLookupSql`),
 * keyed by stored vertex text. "checked" (reads only) folds as if there were none and adds a
 * column `_tc` to the last SELECT: a `tombstone_keys` entry of a tombstone that could hit the
 * read (a deleteAll of a queried vertex, or any in the other end's scopes), else ''. The check
 * is part of the same statement, so a read that finds `_tc = ''` is exact; one that finds a key
 * is read again with the tombstones (reads.ts). A weak scan's `_tc` may also be a delete mark
 * (`weakScanSql`).
 */
export type TombstoneSource =
  | { kind: "join" }
  | { kind: "constants"; queried: ReadonlyMap<string, string>; other: ReadonlyMap<string, string> }
  | { kind: "checked" };

/** What to fold: a label read from one end, for some vertices (read mode) or all (a view). */
export interface EdgeFoldSpec {
  label: LabelDef;
  direction: Direction;
  /** Stored texts of the queried vertices; undefined folds the whole label (analyst views). */
  vertexIds: readonly string[] | undefined;
  /** Stored text of the other end, for point lookups. */
  to?: string;
  mode: TypeMode;
  /** Default: joined. */
  tombstones?: TombstoneSource;
}

const setOps = "('insert', 'insertBulk', 'update')";
const resetOps = "('insert', 'insertBulk', 'delete')";

function list(values: readonly string[]): string {
  return `(${values.map(quoteString).join(", ")})`;
}

function max2(a: string, b: string): string {
  return `if(${a} > ${b}, ${a}, ${b})`;
}

/** The prop's value in a row's arrays. */
function propValueOf(prop: PropDef): string {
  return `_pv[indexOf(_pk, ${quoteString(prop.name)})]`;
}

function hasProp(prop: PropDef): string {
  return `has(_pk, ${quoteString(prop.name)})`;
}

/**
 * A prop's typed value from the stored arrays `pk` (keys) and `pv` (values), its default when
 * absent. A view's SQL is stored as the server formats it, and 18.16 formats
 * `tupleElement(_e, 4)[i]` as `_e.4[i]`, which its own parser then refuses at the next start (the
 * server would not come back after a restart): in views the value is taken without a subscript.
 */
function propFromArrays(pk: string, pv: string, prop: PropDef, mode: TypeMode): string {
  const name = quoteString(prop.name);
  const value = mode === "analyst" ? `arrayReduce('any', arraySlice(${pv}, indexOf(${pk}, ${name}), 1))` : `${pv}[indexOf(${pk}, ${name})]`;
  return `if(has(${pk}, ${name}), ${parseText(value, prop.dataType)}, ${defaultLiteral(prop)})`;
}

interface Side {
  table: string;
  /** Stored column of the queried end and of the other end in that table. */
  v: string;
  o: string;
}

/** True when `_v` is the edges' target: an "in" read of a directed label. */
/** Whether the fold reads the edges' targets: a whole-label fold (no vertices) reads the sources. */
function queriedIsTarget(spec: EdgeFoldSpec): boolean {
  return spec.vertexIds !== undefined && queriesTargets(spec.label, spec.direction);
}

/** The fold's end types, on the same side as `sides` and `endScopes`. */
function specEndTypes(spec: EdgeFoldSpec): { queried: DataType; other: DataType } {
  return endTypes(spec.label, queriedIsTarget(spec) ? "in" : "out");
}

function sides(spec: EdgeFoldSpec, strong: boolean): Side[] {
  const out = strong ? tableNames.edgeOpsOut : tableNames.weakEdgesOut;
  const inTable = strong ? tableNames.edgeOpsIn : tableNames.weakEdgesIn;
  if (!spec.label.isDirected && spec.vertexIds !== undefined) {
    return [{ table: out, v: "from_id", o: "to_id" }, { table: inTable, v: "to_id", o: "from_id" }];
  }
  return queriedIsTarget(spec) ? [{ table: inTable, v: "to_id", o: "from_id" }] : [{ table: out, v: "from_id", o: "to_id" }];
}

/** The rows of this label: by name, and by id when a deleted label had the name (or that is unknown). */
function labelConditions(label: LabelDef): string[] {
  const byName = `label = ${quoteString(label.label)}`;
  return label.formerIds !== undefined && label.formerIds.length === 0 ? [byName] : [byName, `label_id = ${label.id}`];
}

/** A: the op rows of the queried vertices, with the queried end as `_v`, from the strong or the weak tables. */
export function sourceRows(spec: EdgeFoldSpec, strong: boolean): string {
  const { label } = spec;
  const parts = sides(spec, strong).map((side, index) => {
    const conditions = labelConditions(label);
    if (spec.vertexIds !== undefined) conditions.push(`${side.v} IN ${list(spec.vertexIds)}`);
    if (spec.to !== undefined) conditions.push(`${side.o} = ${quoteString(spec.to)}`);
    // The second side of an undirected label skips self-loops, which the first side already has.
    if (index === 1) conditions.push("from_id != to_id");
    let ends = `${side.v} AS _v, ${side.o} AS _o`;
    if (!label.isDirected && spec.vertexIds === undefined) {
      // A whole undirected label: each edge once, under its (smaller, larger) pair of ends.
      ends = "if(from_id <= to_id, from_id, to_id) AS _v, if(from_id <= to_id, to_id, from_id) AS _o";
    }
    return `SELECT ${ends}, okey AS _k, ts AS _ts, op AS _op, prop_keys AS _pk, prop_values AS _pv
      FROM ${side.table} WHERE ${conditions.join(" AND ")}`;
  });
  return parts.length === 1 ? (parts[0] as string) : parts.join("\n      UNION ALL\n      ");
}

/** Tombstone scopes that hit the queried end and the other end of a label's edges. */
export function endScopes(spec: EdgeFoldSpec): { queried: string[]; other: string[] } {
  const { label } = spec;
  const source = [labelScope(label.id, "out"), columnScope(label.srcServiceName, label.srcColumnName)];
  const target = [labelScope(label.id, "in"), columnScope(label.tgtServiceName, label.tgtColumnName)];
  if (!label.isDirected) {
    // Either end of an undirected edge is both a source and a target.
    const both = [...new Set([...source, ...target])];
    return { queried: both, other: both };
  }
  return queriedIsTarget(spec) ? { queried: target, other: source } : { queried: source, other: target };
}

/** Restrictions of the tombstone lookups to the ends at hand (none for a whole label). */
function endFilters(spec: EdgeFoldSpec, strong: boolean): { queried: string; other: string } {
  if (spec.vertexIds === undefined) return { queried: "", other: "" };
  const others = spec.to !== undefined ? `= ${quoteString(spec.to)}` : `IN (SELECT _o FROM (${sourceRows(spec, strong)}))`;
  return { queried: ` AND vertex IN ${list(spec.vertexIds)}`, other: ` AND vertex ${others}` };
}

/**
 * The latest tombstone key of each end of the edges a read will fold: rows (scope, vertex, k).
 * reads.ts runs it first and passes the result back as `{kind: "constants"}`.
 */
export function tombstoneLookupSql(spec: EdgeFoldSpec): string {
  const scopes = endScopes(spec);
  const filters = endFilters(spec, spec.label.consistencyLevel === "strong");
  return `SELECT scope, vertex, max(okey) AS k FROM ${tableNames.tombstones}
    WHERE (scope IN ${list(scopes.queried)}${filters.queried}) OR (scope IN ${list(scopes.other)}${filters.other})
    GROUP BY scope, vertex`;
}

/** Vertex keys a check names one by one before it asks for the whole scope instead. */
const checkedVertexKeysMax = 64;

/**
 * Delete-mark keys a scan names one by one (every vertex of any read, which takes at most 500):
 * asked for the whole label instead, one pair delete anywhere in it made every read of more
 * than 64 vertices fold, 12 -> 31 ms for 100 vertices and 26 -> 60 ms for 300 (chDB, limit 10).
 */
const markKeysMax = 500;

/**
 * The first of these `tombstone_keys` entries that exists, or '', as an expression: one
 * `arrayFirst` over the keys, which plans as one lookup in the set (`k1 IN set OR k2 IN set ...`
 * planned one each: 22 keys cost ~1.4 ms a read, the array ~0.3 ms; chDB, a 10-vertex read).
 */
function firstKey(keys: readonly string[]): string {
  return `arrayFirst(_tk -> _tk IN ${tableNames.tombstoneKeys}, [${keys.map(quoteString).join(", ")}])`;
}

/** Whether a `_tc` is the key of a tombstone (not ''; a delete mark the caller has ruled out first). */
export function isTombstoneHit(tc: unknown): boolean {
  return typeof tc === "string" && tc !== "";
}

/** Whether a `_tc` is a delete mark's key. */
export function isDeleteMarkHit(tc: unknown): boolean {
  return typeof tc === "string" && isDeleteMarkKey(tc);
}

/**
 * `_tc` of a "checked" fold: the first key of the `tombstone_keys` set that a tombstone could
 * hit the read with, or '': a tombstone of a queried vertex (or of any vertex in its scopes, for
 * a large frontier), or any in the other end's scopes (of the one `to` vertex when given). Hash
 * lookups of constants, so it costs next to nothing to plan or run.
 */
function tombstoneCheckKeys(spec: EdgeFoldSpec): string[] {
  if (spec.vertexIds === undefined) throw new Error("assertion: a whole-label fold cannot check tombstones");
  const scopes = endScopes(spec);
  const { to } = spec;
  const other = to === undefined ? scopes.other.map(scopeKey) : scopes.other.map((scope) => vertexKeyPrefix(scope) + to);
  return [...queriedKeys(scopes.queried, spec.vertexIds), ...other];
}

/** The keys that say a queried vertex has an entry in one of `scopes`: one a vertex, or the scopes' keys for a large frontier. */
function queriedKeys(scopes: readonly string[], vertexIds: readonly string[], keysMax = checkedVertexKeysMax): string[] {
  return scopes.length * vertexIds.length <= keysMax
    ? scopes.flatMap((scope) => vertexIds.map((id) => vertexKeyPrefix(scope) + id))
    : scopes.map(scopeKey);
}

function transformOf(column: string, keys: ReadonlyMap<string, string>): string | undefined {
  if (keys.size === 0) return undefined;
  return `transform(${column}, ${`[${[...keys.keys()].map(quoteString).join(", ")}]`}, ${`[${[...keys.values()].map(quoteString).join(", ")}]`}, '')`;
}

/**
 * C: `inner` (with columns `columns`, among them `_v` and `_o`) plus `_t`, the latest tombstone
 * key of either end ('' for none); undefined when the source says there are none at all.
 */
function withTombstones(inner: string, columns: readonly string[], spec: EdgeFoldSpec, strong: boolean): string | undefined {
  const cols = columns.join(", ");
  const source = spec.tombstones ?? { kind: "join" };
  if (source.kind === "checked") return undefined;
  if (source.kind === "constants") {
    const keys = [transformOf("_v", source.queried), transformOf("_o", source.other)].filter((k): k is string => k !== undefined);
    if (keys.length === 0) return undefined;
    return `SELECT ${cols}, ${keys.length === 1 ? keys[0] : max2(keys[0] as string, keys[1] as string)} AS _t FROM (${inner})`;
  }
  const scopes = endScopes(spec);
  const filters = endFilters(spec, strong);
  const joined = `SELECT ${cols}, _tv, _to FROM (
      SELECT ${cols}, _tv FROM (${inner}) AS g
      ANY LEFT JOIN (SELECT vertex AS _v, max(okey) AS _tv FROM ${tableNames.tombstones}
        WHERE scope IN ${list(scopes.queried)}${filters.queried} GROUP BY _v) AS tv USING (_v)
    ) AS gv
    ANY LEFT JOIN (SELECT vertex AS _o, max(okey) AS _to FROM ${tableNames.tombstones}
      WHERE scope IN ${list(scopes.other)}${filters.other} GROUP BY _o) AS tt USING (_o)`;
  return `SELECT ${cols}, ${max2("ifNull(_tv, '')", "ifNull(_to, '')")} AS _t FROM (${joined})`;
}

/** Expressions of the latest write's order key and timestamp in the projection's source (and of the other end, default `_o`). */
interface WriteEnds {
  wk: string;
  wts: string;
  o?: string;
  /** Columns to add after `_wk`. */
  extra?: readonly string[];
}

/**
 * E: `from`, `to`, `timestamp` and one typed column per prop, given each prop's value
 * expression, over `source` (a FROM clause body: a subquery, maybe with an ARRAY JOIN).
 */
function typedProjection(source: string, spec: EdgeFoldSpec, values: readonly string[], ends: WriteEnds = { wk: "_wk", wts: "_wts" }): string {
  const { label, mode } = spec;
  const { queried: vType, other: oType } = specEndTypes(spec);
  const columns = [
    "_v", ends.o === undefined ? "_o" : `${ends.o} AS _o`, ends.wk === "_wk" ? "_wk" : `${ends.wk} AS _wk`, ...(ends.extra ?? []),
    `${narrow(parseText("_v", vType), vType, mode)} AS ${quoteIdentifier("from")}`,
    `${narrow(parseText("_o", oType), oType, mode)} AS ${quoteIdentifier("to")}`,
    `${ends.wts} AS ${quoteIdentifier("timestamp")}`,
    ...label.props.map((prop, i) => `${narrow(values[i] as string, prop.dataType, mode)} AS ${quoteIdentifier(prop.name)}`),
    ...(spec.tombstones?.kind === "checked" ? [`${firstKey(tombstoneCheckKeys(spec))} AS _tc`] : []),
  ];
  return `SELECT ${columns.join(",\n    ")}\n  FROM ${source}`;
}

function strongFold(spec: EdgeFoldSpec): string {
  const props = spec.label.props;
  const numeric = props.map((prop) => isNumericType(prop.dataType));
  const aggregates = props.flatMap((prop, i) => {
    const set = `_op IN ${setOps} AND ${hasProp(prop)}`;
    const columns = [`maxIf(_k, ${set}) AS _s_${i}`, `argMaxIf(${propValueOf(prop)}, _k, ${set}) AS _x_${i}`];
    if (numeric[i]) columns.push(`groupUniqArrayIf((_k, ${propValueOf(prop)}), _op = 'increment' AND ${hasProp(prop)}) AS _n_${i}`);
    return columns;
  });
  const perProp = props.flatMap((_, i) => (numeric[i] ? [`_s_${i}`, `_x_${i}`, `_n_${i}`] : [`_s_${i}`, `_x_${i}`]));
  const ends = ["_v", "_o", "_wk", "_wts"];
  const grouped = `SELECT _v, _o,
      maxIf(_k, _op IN ${resetOps}) AS _r0, maxIf(_k, _op = 'delete') AS _d0,
      maxIf(_k, _op != 'delete') AS _wk, maxIf(_ts, _op != 'delete') AS _wts${aggregates.map((c) => `,\n      ${c}`).join("")}
    FROM (${sourceRows(spec, true)}) GROUP BY _v, _o HAVING _wk > _d0`;
  // D1: the reset point with tombstones, and visibility.
  const tombstoned = withTombstones(grouped, [...ends, "_r0", "_d0", ...perProp], spec, true);
  // Without tombstones the reset point is _r0 itself, and this level is skipped.
  const reset = tombstoned === undefined
    ? grouped
    : `SELECT ${[...ends, ...perProp].join(", ")}, ${max2("_r0", "_t")} AS _rk FROM (${tombstoned}) WHERE _wk > _t`;
  const rk = tombstoned === undefined ? "_r0" : "_rk";
  // D2: whether the set value survives, and the increments after the cut.
  const cutOf = (i: number): string => max2(`_s_${i}`, rk);
  const counted = `SELECT ${[...ends, ...props.flatMap((_, i) => [
    `_x_${i}`,
    `(_s_${i} != '' AND _s_${i} >= ${rk}) AS _b_${i}`,
    ...(numeric[i] ? [`arrayFilter((e, c) -> e.1 > c, _n_${i}, arrayResize([${cutOf(i)}], length(_n_${i}), ${cutOf(i)})) AS _m_${i}`] : []),
  ])].join(",\n      ")} FROM (${reset})`;
  // E: value = set value + counted increments; absent -> default.
  const values = props.map((prop, i) => {
    if (!numeric[i]) return `if(_b_${i}, ${parseText(`_x_${i}`, prop.dataType)}, ${defaultLiteral(prop)})`;
    const sum = `${parseText(`if(_b_${i}, _x_${i}, '')`, prop.dataType)} + arraySum(arrayMap(e -> ${parseText("e.2", prop.dataType)}, _m_${i}))`;
    return `if(_b_${i} OR notEmpty(_m_${i}), ${sum}, ${defaultLiteral(prop)})`;
  });
  return typedProjection(`(${counted})`, spec, values);
}

function weakFold(spec: EdgeFoldSpec): string {
  const props = spec.label.props;
  // Per pair: its edges as a uniq array (a replayed copy is the same tuple, so no FINAL is
  // needed) and its latest delete. No join: on chDB this plans ~3 ms faster than joining the
  // pair deletes to the edges (bench/get-edges.ts, 1-step).
  const pairs = `SELECT _v, _o, maxIf(_k, _op = 'delete') AS _pd, groupUniqArrayIf((_k, _ts, _pk, _pv), _op != 'delete') AS _es
    FROM (${sourceRows(spec, false)}) GROUP BY _v, _o`;
  const tombstoned = withTombstones(pairs, ["_v", "_o", "_pd", "_es"], spec, false);
  const cut = tombstoned === undefined ? "_pd" : max2("_pd", "_t");
  // The edges later than the cut; the cut goes in as a second array (18.16 lambdas cannot
  // capture a subquery's column).
  const live = `(${tombstoned ?? pairs})
  ARRAY JOIN arrayFilter((e, c) -> e.1 > c, _es, arrayResize([${cut}], length(_es), ${cut})) AS _e`;
  // tupleElement, not `_e.4[...]`, which 18.16 does not parse.
  const values = props.map((prop) => propFromArrays("tupleElement(_e, 3)", "tupleElement(_e, 4)", prop, spec.mode));
  return typedProjection(live, spec, values, { wk: "tupleElement(_e, 1)", wts: "tupleElement(_e, 2)" });
}

/**
 * A weak label's live edges with each queried vertex's degree, in three levels (the fewer, the
 * faster chDB plans it): per pair, the edges as a uniq array of (okey, ts, other end, keys,
 * values) and the latest delete, read straight from the table when there is one side; per
 * vertex, `_deg` (the live edges) and `_rs`, the live edges of all its pairs (`groupArrayArray`
 * concatenates); then `_rs` as rows with `_deg`, `_n` (= `_deg`) and the typed columns. A
 * caller appends ORDER BY and `LIMIT n BY _v`. Only without a filter: every live edge is a row.
 */
export function weakEdgesWithDegreesSql(spec: EdgeFoldSpec): string {
  if (spec.label.consistencyLevel !== "weak" || spec.vertexIds === undefined) throw new Error("assertion: a weak read of some vertices");
  const [side, ...more] = sides(spec, false);
  const edge = (k: string, ts: string, o: string, pk: string, pv: string, op: string): string =>
    `maxIf(${k}, ${op} = 'delete') AS _pd, groupUniqArrayIf((${k}, ${ts}, ${o}, ${pk}, ${pv}), ${op} != 'delete') AS _es`;
  let pairs: string;
  if (side !== undefined && more.length === 0) {
    const conditions = [...labelConditions(spec.label), `${side.v} IN ${list(spec.vertexIds)}`];
    if (spec.to !== undefined) conditions.push(`${side.o} = ${quoteString(spec.to)}`);
    pairs = `SELECT ${side.v} AS _v, ${side.o} AS _o, ${edge("okey", "ts", side.o, "prop_keys", "prop_values", "op")}
    FROM ${side.table} WHERE ${conditions.join(" AND ")} GROUP BY _v, _o`;
  } else {
    pairs = `SELECT _v, _o, ${edge("_k", "_ts", "_o", "_pk", "_pv", "_op")}
    FROM (${sourceRows(spec, false)}) GROUP BY _v, _o`;
  }
  const tombstoned = withTombstones(pairs, ["_v", "_o", "_pd", "_es"], spec, false);
  const cut = tombstoned === undefined ? "_pd" : max2("_pd", "_t");
  const perVertex = `SELECT _v, sum(length(_l)) AS _deg,
      groupArrayArray(arrayFilter((e, c) -> e.1 > c, _es, arrayResize([${cut}], length(_es), ${cut})) AS _l) AS _rs
    FROM (${tombstoned ?? pairs}) GROUP BY _v`;
  const values = spec.label.props.map((prop) => propFromArrays("tupleElement(_e, 4)", "tupleElement(_e, 5)", prop, spec.mode));
  return typedProjection(`(${perVertex})
  ARRAY JOIN _rs AS _e`, spec, values, {
    wk: "tupleElement(_e, 1)", wts: "tupleElement(_e, 2)", o: "tupleElement(_e, 3)", extra: ["_deg", "length(_rs) AS _n"],
  });
}

/**
 * A weak label's edges of some vertices in one level, for engines with window functions: the
 * table's rows, with `degrees` each queried vertex's count of distinct order keys as `_deg` (a
 * window), and the props as the stored arrays `_pk`, `_pv` (typed by the caller, reads.ts).
 *
 * - Not `FINAL`: a replayed copy of a row (same okey, every column equal) is next to it in any
 *   order that ends in `_wk`, so the caller drops it. `FINAL` over several parts, as while the
 *   sink writes, cost ~1.3 ms more a read (~3.5 ms for the hand-written read in
 *   bench/get-edges.ts).
 * - Deletes are rows here too, and any pair delete makes the scan inexact, so `_tc` says
 *   whether one is among the queried vertices' rows: the first `tombstone_keys` entry that
 *   exists of the vertices' delete marks (schema.ts) and, for "checked" tombstones, of the
 *   tombstone check, marks first; '' for none. A read whose `_tc` is a mark folds instead.
 *   Without a pair delete every edge row is live unless a deleteAll tombstone hides it.
 *   Tombstones are either given as constants (an edge is live iff its okey is greater than the
 *   latest key of both ends) or "checked" (as in the fold). The marks replaced ordering deletes
 *   first (by the rank digit of `_wk`, order-key.ts), which cost ~0.35 ms a read (reading
 *   `op` had cost ~0.4 ms); the caller still folds when a row of the page is a delete, which
 *   only a missing mark would let through.
 * - Typed columns only for `ordered` (`from`, `to` and prop names the caller's ORDER BY uses;
 *   `timestamp` is always there). A caller appends ORDER BY and `LIMIT n BY _v`.
 * - Only for a directed label (an undirected one reads two tables), without `to`, and without
 *   a filter (the window would count only the rows that pass it).
 *
 * Measured against the fold's three levels (bench/get-edges.ts, 1-step limit 100 on chDB): ~4.2
 * ms a read instead of ~9; typing the props in SQL, a second window, or typed ids it does not
 * need cost ~0.2-0.5 ms each.
 */
export function weakScanSql(spec: EdgeFoldSpec, ordered: ReadonlySet<string>, degrees: boolean): string {
  const { label } = spec;
  const [side, ...more] = sides(spec, false);
  if (label.consistencyLevel !== "weak" || spec.vertexIds === undefined || side === undefined || more.length > 0 || spec.to !== undefined) {
    throw new Error("assertion: a weak scan reads some vertices of one side");
  }
  const tombstones = spec.tombstones ?? { kind: "join" };
  if (tombstones.kind === "join") throw new Error("assertion: a weak scan takes tombstones as constants or checked");
  const conditions = [...labelConditions(label), `${side.v} IN ${list(spec.vertexIds)}`];
  if (tombstones.kind === "constants") {
    for (const [column, keys] of [[side.v, tombstones.queried], [side.o, tombstones.other]] as const) {
      const key = transformOf(column, keys);
      if (key !== undefined) conditions.push(`okey > ${key}`);
    }
  }
  const types = specEndTypes(spec);
  const ends: Array<[string, string, DataType]> = [["from", side.v, types.queried], ["to", side.o, types.other]];
  const columns = [
    `${side.v} AS _v`, `${side.o} AS _o`, "okey AS _wk", ...(degrees ? [`uniqExact(okey) OVER (PARTITION BY ${side.v}) AS _deg`] : []),
    ...ends.filter(([name]) => ordered.has(name)).map(([name, column, type]) => `${narrow(parseText(column, type), type, "read")} AS ${quoteIdentifier(name)}`),
    `ts AS ${quoteIdentifier("timestamp")}`,
    ...label.props.filter((prop) => ordered.has(prop.name)).map((prop) =>
      `${propFromArrays("prop_keys", "prop_values", prop, spec.mode)} AS ${quoteIdentifier(prop.name)}`),
    "prop_keys AS _pk", "prop_values AS _pv",
    `${firstKey([...queriedKeys([deleteMarkScope(label.id, queriedIsTarget(spec) ? "in" : "out")], spec.vertexIds, markKeysMax), ...(tombstones.kind === "checked" ? tombstoneCheckKeys(spec) : [])])} AS _tc`,
  ];
  return `SELECT ${columns.join(",\n    ")}\n  FROM ${side.table}\n  WHERE ${conditions.join(" AND ")}`;
}

/**
 * The live edges of a label as a SELECT with columns `_v`, `_o` (stored texts of the queried
 * and the other end), `_wk` (the order key of the edge's latest write, a tiebreak), `from`,
 * `to`, `timestamp`, and one typed column per prop. It ends with its FROM clause, so a caller
 * may append WHERE, ORDER BY and LIMIT over those columns.
 */
export function edgeFoldSql(spec: EdgeFoldSpec): string {
  return spec.label.consistencyLevel === "strong" ? strongFold(spec) : weakFold(spec);
}

/**
 * The live vertices of a column: insert and update set the props they name (S2Graph writes
 * vertex props as separate cells; an insert does not drop the others), delete and deleteAll
 * hide every prop older than them; a vertex exists iff its latest insert/update is later than
 * its latest delete. Columns: `_v`, `_wts`, and one typed column per prop.
 */
export function vertexFoldSql(column: ColumnDef, ids: readonly string[], mode: TypeMode): string {
  const props = column.props;
  const perProp = props.flatMap((prop, i) => {
    const set = `_op IN ('insert', 'update') AND ${hasProp(prop)}`;
    return [`maxIf(_k, ${set}) AS _s_${i}`, `argMaxIf(${propValueOf(prop)}, _k, ${set}) AS _x_${i}`];
  });
  const rows = `SELECT vertex_id AS _v, okey AS _k, ts AS _ts, op AS _op, prop_keys AS _pk, prop_values AS _pv
    FROM ${tableNames.vertexOps}
    WHERE service = ${quoteString(column.serviceName)} AND column_name = ${quoteString(column.columnName)} AND vertex_id IN ${list(ids)}`;
  const grouped = `SELECT _v, maxIf(_k, _op IN ('delete', 'deleteAll')) AS _r0,
      maxIf(_k, _op IN ('insert', 'update')) AS _wk, maxIf(_ts, _op IN ('insert', 'update')) AS _wts${perProp.map((c) => `,\n      ${c}`).join("")}
    FROM (${rows}) GROUP BY _v HAVING _wk > _r0`;
  const columns = [
    "_v", "_wts",
    ...props.map((prop, i) =>
      `${narrow(`if(_s_${i} > _r0, ${parseText(`_x_${i}`, prop.dataType)}, ${defaultLiteral(prop)})`, prop.dataType, mode)} AS ${quoteIdentifier(prop.name)}`),
  ];
  return `SELECT ${columns.join(",\n    ")}\n  FROM (${grouped})`;
}
