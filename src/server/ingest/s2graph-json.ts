/**
 * S2Graph's JSON mutation bodies: a JSON array of elements, the op given by the route.
 *
 * - edges (`/graphs/edges/<op>`, `/mutate/edge/<op>`): `[{timestamp, from|froms, to|tos,
 *   label, direction?, props?}]`; also a single object, as S2Graph's `toJsValues` takes one;
 * - vertices (`/graphs/vertices/<op>`): `[{timestamp?, serviceName, columnName, id|ids,
 *   props?}]`, or with `/:serviceName/:columnName` in the route, `[{id|ids, props?, timestamp?}]`;
 *   a vertex without a timestamp gets the request's arrival time, as in S2Graph;
 * - deleteAll (`/graphs/edges/deleteAll`): `[{ids, label, direction?, timestamp?}]` only as an
 *   array, as S2Graph reads it.
 *
 * A body that is not UTF-8, nests deeper than the limit, does not parse or is not an array is
 * refused whole (`invalid`); anything wrong inside an element refuses that element only.
 */
import { EdgeflowError, type EdgeOp, type VertexOp } from "../../lib/index.ts";
import { checkersFor } from "./checkers.ts";
import { depthExceeds } from "./depth.ts";
import { edgeElement, vertexElement, type ElementContext, type VertexRoute } from "./elements.ts";
import { RowCollector } from "./rows.ts";
import { bodyText } from "./text.ts";
import { ingestDefaults, type DecodeOptions, type DecodeResult } from "./types.ts";

/** Parses a JSON array body (depth-checked first). `allowObject` takes a lone object as a batch of one. */
export function parseJsonArrayBody(body: Uint8Array | string, depthMax: number, allowObject: boolean): unknown[] {
  const text = bodyText(body);
  // The array itself is one level: elements get the same depth budget as an NDJSON line.
  if (depthExceeds(text, 0, text.length, depthMax + 1)) {
    throw new EdgeflowError("invalid", "too_deep", `the body nests deeper than ${depthMax} levels`, { depthMax });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new EdgeflowError("invalid", "invalid_json", `the body is not valid JSON: ${(error as Error).message}`, {}, { cause: error });
  }
  if (Array.isArray(value)) return value;
  if (allowObject && typeof value === "object" && value !== null) return [value];
  throw new EdgeflowError("invalid", "not_an_array", "the body must be a JSON array of elements");
}

interface RunOptions {
  allowObject: boolean;
  /** Whether elements without a timestamp get the arrival time (vertices, deleteAll) or are refused (edges). */
  defaultTimestamp: boolean;
}

function run(body: Uint8Array | string, opts: DecodeOptions, how: RunOptions, each: (ctx: ElementContext, el: unknown) => void): DecodeResult {
  const elements = parseJsonArrayBody(body, opts.depthMax ?? ingestDefaults.depthMax, how.allowObject);
  const out = new RowCollector(opts.rowsMax ?? ingestDefaults.rowsMax);
  const ctx: ElementContext = { checkers: checkersFor(opts.lookup), out, defaultTimestampMs: how.defaultTimestamp ? opts.receivedAtMs : undefined };
  for (const el of elements) {
    out.begin(undefined, () => JSON.stringify(el) ?? String(el));
    each(ctx, el);
  }
  return out.finish();
}

/** Edge bodies for every edge op; with `op: "deleteAll"` this is `decodeDeleteAllJson`. */
export function decodeEdgeJson(body: Uint8Array | string, opts: DecodeOptions & { op: EdgeOp }): DecodeResult {
  if (opts.op === "deleteAll") return decodeDeleteAllJson(body, opts);
  // Edges need their own timestamps (S2Graph's `parse[Long]`).
  const op = opts.op;
  return run(body, opts, { allowObject: true, defaultTimestamp: false }, (ctx, el) => edgeElement(ctx, el, op));
}

export function decodeDeleteAllJson(body: Uint8Array | string, opts: DecodeOptions): DecodeResult {
  return run(body, opts, { allowObject: false, defaultTimestamp: true }, (ctx, el) => edgeElement(ctx, el, "deleteAll"));
}

export function decodeVertexJson(body: Uint8Array | string, opts: DecodeOptions & { op: VertexOp } & VertexRoute): DecodeResult {
  const route: VertexRoute = {};
  if (opts.serviceName !== undefined) route.serviceName = opts.serviceName;
  if (opts.columnName !== undefined) route.columnName = opts.columnName;
  const op = opts.op;
  return run(body, opts, { allowObject: true, defaultTimestamp: true }, (ctx, el) => vertexElement(ctx, el, op, route));
}
