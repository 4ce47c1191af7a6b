/**
 * From one parsed element (an S2Graph JSON object, an NDJSON line, or a TSV line turned into
 * the same shape) to validated mutations, written into a `RowCollector`.
 *
 * Checks run in a fixed order and the first failure refuses the whole element with one row:
 * shape, label or column, timestamp, direction, ends present, client id, props. Then the element
 * fans out (`froms × tos` for edges, `ids` for vertices and deleteAll) and each pair gets its
 * own row: a pair whose id does not fit its column type is refused alone.
 *
 * Edges are stored in the `out` direction. S2Graph reads an edge sent with `direction: "in"`
 * from the target's side: its `from` is a vertex of the label's target column and its `to` one
 * of the source column (`GraphElementBuilder.toEdge`). Such an edge is checked that way and
 * then stored with `from` and `to` swapped, for every op (insert, update, increment, delete,
 * insertBulk), since it names the same edge. A deleteAll keeps its direction instead: it
 * names one vertex (of the source column when `out`, the target column when `in`) and the
 * store deletes its edges on both sides, as S2Graph does.
 *
 * Mutations of one fanned-out element share one `props` object: treat mutations as read-only.
 */
import {
  coerceId,
  idBytesMax,
  type DataType,
  type Direction,
  type EdgeOp,
  type PropValue,
  type VertexOp,
} from "../../lib/index.ts";
import type { Checkers, LabelChecker, Props } from "./checkers.ts";
import { deleteAllMutation, edgeMutation, vertexMutation } from "./mutation-id.ts";
import type { RowCollector } from "./rows.ts";
import type { RowErrorCode } from "./types.ts";

export interface ElementContext {
  checkers: Checkers;
  out: RowCollector;
  /**
   * The timestamp given to vertex and deleteAll elements that carry none (S2Graph uses the
   * current time there), or undefined to refuse them. Edges always need their own.
   */
  defaultTimestampMs: number | undefined;
}

type Fail = { code: RowErrorCode; message: string };
type Element = Record<string, unknown>;

const clientIdBytesMax = 256;

export function isElement(value: unknown): value is Element {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function preview(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** A non-negative integer of milliseconds, from a number or a string of digits (TSV). */
function timestampOf(value: unknown, fallback: number | undefined): number | Fail {
  if (value === undefined || value === null) {
    return fallback ?? { code: "invalid_timestamp", message: "timestamp is required" };
  }
  const ts = typeof value === "number" ? value : typeof value === "string" && /^\d{1,16}$/.test(value) ? Number(value) : NaN;
  if (Number.isSafeInteger(ts) && ts >= 0) return ts;
  return { code: "invalid_timestamp", message: `timestamp must be a non-negative integer of milliseconds, got ${preview(value)}` };
}

function directionOf(value: unknown): Direction | Fail {
  if (value === undefined || value === null || value === "out") return "out";
  if (value === "in") return "in";
  return { code: "invalid_direction", message: `direction must be "out" or "in", got ${preview(value)}` };
}

/** S2Graph's `from` + `froms` (or `id` + `ids`): one value and/or an array, concatenated. */
function idsOf(single: unknown, many: unknown, manyName: string): unknown[] | Fail {
  const ids: unknown[] = single === undefined || single === null ? [] : [single];
  if (many === undefined || many === null) return ids;
  if (!Array.isArray(many)) return { code: "invalid_element", message: `${manyName} must be an array` };
  return ids.length === 0 ? many : ids.concat(many);
}

function clientIdOf(value: unknown): string | undefined | Fail {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "number" && Number.isSafeInteger(value)) return String(value);
  if (typeof value === "string" && value.length > 0 && Buffer.byteLength(value) <= clientIdBytesMax) return value;
  return { code: "invalid_client_id", message: `a client mutation id must be a string of 1..${clientIdBytesMax} bytes or an integer, got ${preview(value)}` };
}

function idFor(value: unknown, columnType: DataType, what: string): PropValue | Fail {
  if (typeof value === "string" || typeof value === "number") {
    const id = coerceId(value, columnType);
    if (id !== undefined) return id;
    if (typeof value === "string" && Buffer.byteLength(value) > idBytesMax) {
      return { code: "id_too_long", message: `${what} is ${Buffer.byteLength(value)} bytes long; ids may be at most ${idBytesMax}` };
    }
  }
  return { code: "invalid_id", message: `${what} ${preview(value)} is not a valid ${columnType} id` };
}

function isFail(value: unknown): value is Fail {
  return typeof value === "object" && value !== null && "code" in value && "message" in value;
}

/** Decodes one edge element under `op` (any edge op; `deleteAll` takes the deleteAll shape). */
export function edgeElement(ctx: ElementContext, el: unknown, op: EdgeOp): void {
  const { out } = ctx;
  if (!isElement(el)) return out.reject("invalid_element", "an edge must be a JSON object");
  if (typeof el.label !== "string") return out.reject("invalid_element", "label is required (a string)");
  const checker = ctx.checkers.label(el.label);
  if (!checker) return out.reject("unknown_label", `label ${preview(el.label)} does not exist`);
  if (op === "deleteAll") return deleteAllElement(ctx, el, checker);
  const service = checker.def.serviceName;
  const ts = timestampOf(el.timestamp, undefined);
  if (isFail(ts)) return out.reject(ts.code, ts.message, service);
  const direction = directionOf(el.direction);
  if (isFail(direction)) return out.reject(direction.code, direction.message, service);
  // One `from` and one `to` is the common case: it skips the fan-out arrays.
  const single = el.froms === undefined && el.tos === undefined && el.from != null && el.to != null;
  const froms = single ? undefined : idsOf(el.from, el.froms, "froms");
  if (isFail(froms)) return out.reject(froms.code, froms.message, service);
  if (froms?.length === 0) return out.reject("missing_from", "from (or froms) is required", service);
  const tos = single ? undefined : idsOf(el.to, el.tos, "tos");
  if (isFail(tos)) return out.reject(tos.code, tos.message, service);
  if (tos?.length === 0) return out.reject("missing_to", "to (or tos) is required", service);
  const clientId = clientIdOf(el.id ?? el.mutationId);
  if (isFail(clientId)) return out.reject(clientId.code, clientId.message, service);
  let props: Props = {};
  if (op !== "delete") {
    const checked = checker.props(el.props, op === "increment");
    if (!checked.ok) return out.reject(checked.code, checked.message, service);
    props = checked.props;
  }
  const fields: EdgeFields = { op, ts, direction, clientId, props };
  if (froms === undefined || tos === undefined) return emitEdge(ctx, checker, fields, el.from, el.to);
  emitEdges(ctx, checker, fields, froms, tos);
}

interface EdgeFields {
  op: Exclude<EdgeOp, "deleteAll">;
  ts: number;
  direction: Direction;
  clientId: string | undefined;
  props: Props;
}

function emitEdges(ctx: ElementContext, checker: LabelChecker, f: EdgeFields, froms: unknown[], tos: unknown[]): void {
  const { out } = ctx;
  const def = checker.def;
  const service = def.serviceName;
  const count = froms.length * tos.length;
  out.fanout(count);
  const swap = f.direction === "in";
  if (count === 1) return emitEdge(ctx, checker, f, froms[0], tos[0]);
  const fromIds = froms.map((id) => idFor(id, swap ? def.tgtColumnType : def.srcColumnType, "from"));
  const toIds = tos.map((id) => idFor(id, swap ? def.srcColumnType : def.tgtColumnType, "to"));
  let k = 0;
  for (const from of fromIds) {
    for (const to of toIds) {
      const position = k++;
      if (isFail(from)) { out.reject(from.code, from.message, service); continue; }
      if (isFail(to)) { out.reject(to.code, to.message, service); continue; }
      const client = f.clientId !== undefined ? { service, clientId: f.clientId, fanoutIndex: position } : undefined;
      out.accept(edgeMutation(service, def.label, f.op, f.ts, swap ? to : from, swap ? from : to, f.props, client));
    }
  }
}

/** One from, one to: the common case, without the fan-out arrays. */
function emitEdge(ctx: ElementContext, checker: LabelChecker, f: EdgeFields, rawFrom: unknown, rawTo: unknown): void {
  const { out } = ctx;
  const def = checker.def;
  const service = def.serviceName;
  const swap = f.direction === "in";
  const from = idFor(rawFrom, swap ? def.tgtColumnType : def.srcColumnType, "from");
  if (isFail(from)) return out.reject(from.code, from.message, service);
  const to = idFor(rawTo, swap ? def.srcColumnType : def.tgtColumnType, "to");
  if (isFail(to)) return out.reject(to.code, to.message, service);
  const client = f.clientId !== undefined ? { service, clientId: f.clientId } : undefined;
  out.accept(edgeMutation(service, def.label, f.op, f.ts, swap ? to : from, swap ? from : to, f.props, client));
}

function deleteAllElement(ctx: ElementContext, el: Element, checker: LabelChecker): void {
  const { out } = ctx;
  const def = checker.def;
  const service = def.serviceName;
  const ts = timestampOf(el.timestamp, ctx.defaultTimestampMs);
  if (isFail(ts)) return out.reject(ts.code, ts.message, service);
  const direction = directionOf(el.direction);
  if (isFail(direction)) return out.reject(direction.code, direction.message, service);
  // S2Graph's deleteAll body names its vertices `ids`; `id`, `from` and `froms` are taken too.
  const ids = idsOf(el.id ?? el.from, el.ids ?? el.froms, el.ids !== undefined ? "ids" : "froms");
  if (isFail(ids)) return out.reject(ids.code, ids.message, service);
  if (ids.length === 0) return out.reject("missing_id", "ids (or from) is required", service);
  const clientId = clientIdOf(el.mutationId);
  if (isFail(clientId)) return out.reject(clientId.code, clientId.message, service);
  out.fanout(ids.length);
  const columnType = direction === "out" ? def.srcColumnType : def.tgtColumnType;
  for (let k = 0; k < ids.length; k++) {
    const from = idFor(ids[k], columnType, "id");
    if (isFail(from)) { out.reject(from.code, from.message, service); continue; }
    const client = clientId !== undefined ? { service, clientId, ...(ids.length > 1 ? { fanoutIndex: k } : {}) } : undefined;
    out.accept(deleteAllMutation(service, def.label, ts, from, direction, client));
  }
}

/** Where a vertex element's service and column come from when the route names them. */
export interface VertexRoute {
  serviceName?: string;
  columnName?: string;
}

/** Decodes one vertex element under `op`. Route values win over the element's own. */
export function vertexElement(ctx: ElementContext, el: unknown, op: VertexOp, route: VertexRoute = {}): void {
  const { out } = ctx;
  if (!isElement(el)) return out.reject("invalid_element", "a vertex must be a JSON object");
  const serviceName = route.serviceName ?? el.serviceName;
  const columnName = route.columnName ?? el.columnName;
  if (typeof serviceName !== "string" || typeof columnName !== "string") {
    return out.reject("invalid_element", "serviceName and columnName are required (strings)");
  }
  const checker = ctx.checkers.column(serviceName, columnName);
  if (!checker) return out.reject("unknown_column", `column ${preview(columnName)} of service ${preview(serviceName)} does not exist`, serviceName);
  const ts = timestampOf(el.timestamp, ctx.defaultTimestampMs);
  if (isFail(ts)) return out.reject(ts.code, ts.message, serviceName);
  const ids = idsOf(el.id, el.ids, "ids");
  if (isFail(ids)) return out.reject(ids.code, ids.message, serviceName);
  if (ids.length === 0) return out.reject("missing_id", "id (or ids) is required", serviceName);
  const clientId = clientIdOf(el.mutationId);
  if (isFail(clientId)) return out.reject(clientId.code, clientId.message, serviceName);
  let props: Props = {};
  if (op === "insert" || op === "update") {
    const checked = checker.props(el.props);
    if (!checked.ok) return out.reject(checked.code, checked.message, serviceName);
    props = checked.props;
  }
  out.fanout(ids.length);
  const { columnType } = checker.def;
  for (let k = 0; k < ids.length; k++) {
    const vertexId = idFor(ids[k], columnType, "id");
    if (isFail(vertexId)) { out.reject(vertexId.code, vertexId.message, serviceName); continue; }
    const client = clientId !== undefined ? { service: serviceName, clientId, ...(ids.length > 1 ? { fanoutIndex: k } : {}) } : undefined;
    out.accept(vertexMutation(serviceName, columnName, op, ts, vertexId, props, client));
  }
}
