/**
 * The graph's semantics as a plain sequential fold in TypeScript: the specification the SQL
 * fold (fold-sql.ts) is held to. Tests compare the two on random mutation sequences inserted
 * in random orders; reference-fold.test.ts checks this fold against hand-computed S2Graph cases.
 *
 * For each edge (or vertex), its mutations, deduplicated by id, are sorted by `okey`
 * (order-key.ts: timestamp, then insert < update < increment < delete, then id) and applied
 * one after another, exactly as S2Graph's `buildOperation` applies sorted requests:
 *
 *   insert/insertBulk  props := the props it names          (S2Edge.mergeUpsert; insertBulk = insert)
 *   update             props[p] := v for each p it names    (mergeUpdate)
 *   increment          props[p] := (props[p] ?? 0) + v      (mergeIncrement; creates an absent prop)
 *   delete, deleteAll  props := {}                          (mergeDelete)
 *
 * and the edge is live iff the last of those ops is not a delete. Weak labels keep every write
 * as its own edge, hidden by a later delete of its pair or a later deleteAll of either end.
 * Vertices: insert and update set the props they name, delete and deleteAll clear them; a
 * vertex deleteAll also deletes the vertex's edges on labels of its column.
 *
 * Integer props are summed as 64-bit integers (wrapping, as ClickHouse's Int64 does); float
 * increments are summed in key order, which equals ClickHouse's sum only when the sums are
 * exact (tests use integer-valued doubles).
 */
import type { ColumnDef, Direction, EdgeMutation, LabelDef, Mutation, PropDef, PropValue, VertexMutation } from "../../lib/index.ts";
import { valueText } from "./encode.ts";
import { compareBytes, orderKey } from "./order-key.ts";
import { endTypes, idValue, isIntegerType, isNumericType, queriesTargets } from "./typed.ts";
import type { EdgeRow, VertexRow } from "./types.ts";

/** A live edge of a label in stored form: ids as text, `key` the okey of its latest write. */
export interface ReferenceEdge {
  from: string;
  to: string;
  ts: number;
  key: string;
  props: Record<string, PropValue>;
}

interface Keyed<T> {
  key: string;
  m: T;
}

interface Tombstone {
  key: string;
  vertex: string;
  /** `L:<label>:<side>` or `C:<service>:<column>`, as in schema.ts. */
  scope: string;
}

function byKey<T extends { key: string }>(a: T, b: T): number {
  return compareBytes(a.key, b.key);
}

function dedupe(mutations: readonly Mutation[]): Mutation[] {
  const seen = new Map<string, Mutation>();
  for (const m of mutations) if (!seen.has(m.id)) seen.set(m.id, m);
  return [...seen.values()];
}

function addValue(prop: PropDef | undefined, current: PropValue | undefined, amount: PropValue): PropValue {
  if (prop === undefined || !isNumericType(prop.dataType)) return amount;
  if (isIntegerType(prop.dataType)) {
    const sum = BigInt.asIntN(64, BigInt(current ?? 0) + BigInt(amount));
    const asNumber = Number(sum);
    return Number.isSafeInteger(asNumber) ? asNumber : sum.toString();
  }
  return Number(current ?? 0) + Number(amount);
}

function withDefaults(defs: readonly PropDef[], props: ReadonlyMap<string, PropValue>): Record<string, PropValue> {
  const out: Record<string, PropValue> = {};
  for (const def of defs) out[def.name] = props.get(def.name) ?? def.defaultValue;
  return out;
}

function tombstonesOf(mutations: readonly Mutation[], labels: readonly LabelDef[]): Tombstone[] {
  const out: Tombstone[] = [];
  for (const m of mutations) {
    if (m.op !== "deleteAll") continue;
    if (m.kind === "vertex") {
      out.push({ key: orderKey(m), vertex: valueText(m.vertexId), scope: `C:${m.service}:${m.column}` });
    } else {
      const label = labels.find((l) => l.label === m.label);
      if (label !== undefined) out.push({ key: orderKey(m), vertex: valueText(m.from), scope: `L:${label.id}:${m.direction}` });
    }
  }
  return out;
}

/** The latest tombstone key that hits the edge from→to of `label`, or "". */
function tombstoneKey(label: LabelDef, from: string, to: string, tombstones: readonly Tombstone[]): string {
  const src = `C:${label.srcServiceName}:${label.srcColumnName}`;
  const tgt = `C:${label.tgtServiceName}:${label.tgtColumnName}`;
  const out = `L:${label.id}:out`;
  const inScope = `L:${label.id}:in`;
  let latest = "";
  for (const t of tombstones) {
    let hits: boolean;
    if (label.isDirected) {
      hits = ((t.scope === out || t.scope === src) && t.vertex === from) || ((t.scope === inScope || t.scope === tgt) && t.vertex === to);
    } else {
      hits = [out, inScope, src, tgt].includes(t.scope) && (t.vertex === from || t.vertex === to);
    }
    if (hits && compareBytes(t.key, latest) > 0) latest = t.key;
  }
  return latest;
}

/** The edge identity: directed pair, or the (smaller, larger) pair of an undirected label. */
function pairOf(label: LabelDef, from: string, to: string): [string, string] {
  if (label.isDirected || compareBytes(from, to) <= 0) return [from, to];
  return [to, from];
}

function strongEdges(label: LabelDef, ops: Keyed<EdgeMutation>[], tombstones: readonly Tombstone[]): ReferenceEdge[] {
  const groups = new Map<string, Keyed<EdgeMutation>[]>();
  for (const op of ops) {
    const [a, b] = pairOf(label, valueText(op.m.from), valueText(op.m.to));
    const id = JSON.stringify([a, b]);
    const list = groups.get(id) ?? [];
    list.push(op);
    groups.set(id, list);
  }
  const defs = new Map(label.props.map((p) => [p.name, p]));
  const out: ReferenceEdge[] = [];
  for (const [id, list] of groups) {
    const [from, to] = JSON.parse(id) as [string, string];
    const deleteAllKey = tombstoneKey(label, from, to, tombstones);
    const steps: Array<{ key: string; m: EdgeMutation | undefined }> = [...list];
    if (deleteAllKey !== "") steps.push({ key: deleteAllKey, m: undefined });
    steps.sort(byKey);
    let props = new Map<string, PropValue>();
    let lastWrite: Keyed<EdgeMutation> | undefined;
    let live = false;
    for (const step of steps) {
      const m = step.m;
      if (m === undefined || m.op === "delete") {
        props = new Map();
        live = false;
        continue;
      }
      if (m.op === "insert" || m.op === "insertBulk") props = new Map(Object.entries(m.props));
      else if (m.op === "update") for (const [k, v] of Object.entries(m.props)) props.set(k, v);
      else for (const [k, v] of Object.entries(m.props)) props.set(k, addValue(defs.get(k), props.get(k), v));
      lastWrite = { key: step.key, m };
      live = true;
    }
    if (live && lastWrite !== undefined) out.push({ from, to, ts: lastWrite.m.ts, key: lastWrite.key, props: withDefaults(label.props, props) });
  }
  return out;
}

function weakEdges(label: LabelDef, ops: Keyed<EdgeMutation>[], tombstones: readonly Tombstone[]): ReferenceEdge[] {
  const deletes = new Map<string, string>();
  for (const op of ops) {
    if (op.m.op !== "delete") continue;
    const id = JSON.stringify(pairOf(label, valueText(op.m.from), valueText(op.m.to)));
    if (compareBytes(op.key, deletes.get(id) ?? "") > 0) deletes.set(id, op.key);
  }
  const out: ReferenceEdge[] = [];
  for (const op of ops) {
    if (op.m.op === "delete") continue;
    const [from, to] = pairOf(label, valueText(op.m.from), valueText(op.m.to));
    const deletedAt = [deletes.get(JSON.stringify([from, to])) ?? "", tombstoneKey(label, from, to, tombstones)];
    if (deletedAt.some((key) => compareBytes(key, op.key) > 0)) continue;
    out.push({ from, to, ts: op.m.ts, key: op.key, props: withDefaults(label.props, new Map(Object.entries(op.m.props))) });
  }
  return out;
}

/**
 * The live edges of one label after all `mutations` (any order, duplicates allowed); an
 * undirected label lists each edge once, from its smaller end.
 */
export function referenceEdges(label: LabelDef, mutations: readonly Mutation[], labels: readonly LabelDef[]): ReferenceEdge[] {
  const all = dedupe(mutations);
  const tombstones = tombstonesOf(all, labels);
  const ops: Keyed<EdgeMutation>[] = [];
  for (const m of all) {
    if (m.kind === "edge" && m.op !== "deleteAll" && m.label === label.label) ops.push({ key: orderKey(m), m });
  }
  return label.consistencyLevel === "strong" ? strongEdges(label, ops, tombstones) : weakEdges(label, ops, tombstones);
}

/** What `GraphStore.edges` returns for these vertices, from the reference (no limit, no filters). */
export function referenceAdjacency(
  label: LabelDef,
  direction: Direction,
  vertexIds: readonly PropValue[],
  mutations: readonly Mutation[],
  labels: readonly LabelDef[],
): EdgeRow[] {
  const wanted = new Set(vertexIds.map(valueText));
  const queriedIsTarget = queriesTargets(label, direction);
  const rows: Array<{ v: string; o: string; edge: ReferenceEdge }> = [];
  for (const edge of referenceEdges(label, mutations, labels)) {
    if (label.isDirected) {
      const v = queriedIsTarget ? edge.to : edge.from;
      if (wanted.has(v)) rows.push({ v, o: queriedIsTarget ? edge.from : edge.to, edge });
    } else {
      if (wanted.has(edge.from)) rows.push({ v: edge.from, o: edge.to, edge });
      if (wanted.has(edge.to) && edge.to !== edge.from) rows.push({ v: edge.to, o: edge.from, edge });
    }
  }
  rows.sort((a, b) => compareBytes(a.v, b.v) || b.edge.ts - a.edge.ts || compareBytes(a.o, b.o) || compareBytes(b.edge.key, a.edge.key));
  const { queried: vType, other: oType } = endTypes(label, direction);
  return rows.map(({ v, o, edge }) => ({
    label: label.label, direction, from: idValue(v, vType), to: idValue(o, oType), ts: edge.ts, props: edge.props,
  }));
}

/** The live vertices of a column among `ids`, in byte order of their stored ids. */
export function referenceVertices(column: ColumnDef, ids: readonly PropValue[], mutations: readonly Mutation[]): VertexRow[] {
  const wanted = new Set(ids.map(valueText));
  const groups = new Map<string, Keyed<VertexMutation>[]>();
  for (const m of dedupe(mutations)) {
    if (m.kind !== "vertex" || m.service !== column.serviceName || m.column !== column.columnName) continue;
    const id = valueText(m.vertexId);
    if (!wanted.has(id)) continue;
    const list = groups.get(id) ?? [];
    list.push({ key: orderKey(m), m });
    groups.set(id, list);
  }
  const out: VertexRow[] = [];
  for (const id of [...groups.keys()].sort(compareBytes)) {
    const steps = (groups.get(id) ?? []).sort(byKey);
    let props = new Map<string, PropValue>();
    let lastWrite: VertexMutation | undefined;
    let live = false;
    for (const { m } of steps) {
      if (m.op === "delete" || m.op === "deleteAll") {
        props = new Map();
        live = false;
        continue;
      }
      for (const [k, v] of Object.entries(m.props)) props.set(k, v);
      lastWrite = m;
      live = true;
    }
    if (live && lastWrite !== undefined) out.push({ id: idValue(id, column.columnType), ts: lastWrite.ts, props: withDefaults(column.props, props) });
  }
  return out;
}
