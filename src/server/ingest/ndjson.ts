/**
 * edgeflow's native NDJSON: one S2Graph edge or vertex object a line.
 *
 * Edge: `{"timestamp", "from"|"froms", "to"|"tos", "label", "direction"?, "props"?, "op"?,
 * "id"?}`; vertex: `{"timestamp", "serviceName", "columnName", "id"|"ids", "props"?, "op"?,
 * "mutationId"?}`. A line with `label` is an edge, one with `serviceName`/`columnName` a
 * vertex. `op` takes S2Graph's names and aliases and defaults to `insert`; a deleteAll line
 * is `{"op": "deleteAll", "label", "ids"|"id"|"from", "direction"?, "timestamp"}`. The
 * optional client id makes the mutation id `hash(service, client id)`: it is `mutationId` on
 * any line, and `id` is taken as well on edge lines (on vertex and deleteAll lines `id` names
 * the vertex). Every line needs its timestamp.
 *
 * Empty lines are skipped; line numbers count from 1 and include them. Each line is depth
 * checked before `JSON.parse`, and a bad line is refused alone.
 */
import { checkersFor } from "./checkers.ts";
import { depthExceeds } from "./depth.ts";
import { edgeElement, isElement, vertexElement, type ElementContext } from "./elements.ts";
import { isOpFail, opOf, vertexOpOf } from "./ops.ts";
import { RowCollector } from "./rows.ts";
import { forEachLine } from "./text.ts";
import { ingestDefaults, type DecodeOptions, type DecodeResult } from "./types.ts";

export function decodeNdjson(body: Uint8Array | string, opts: DecodeOptions): DecodeResult {
  const depthMax = opts.depthMax ?? ingestDefaults.depthMax;
  const out = new RowCollector(opts.rowsMax ?? ingestDefaults.rowsMax);
  const ctx: ElementContext = { checkers: checkersFor(opts.lookup), out, defaultTimestampMs: undefined };
  forEachLine(body, {
    line(text, lineNumber) {
      out.begin(lineNumber, text);
      if (depthExceeds(text, 0, text.length, depthMax)) return out.reject("too_deep", `the line nests deeper than ${depthMax} levels`);
      let el: unknown;
      try {
        el = JSON.parse(text);
      } catch (error) {
        return out.reject("invalid_json", `the line is not valid JSON: ${(error as Error).message}`);
      }
      nativeElement(ctx, el);
    },
    badLine(text, lineNumber) {
      out.begin(lineNumber, text);
      out.reject("invalid_utf8", "the line is not valid UTF-8");
    },
  });
  return out.finish();
}

function nativeElement(ctx: ElementContext, el: unknown): void {
  const { out } = ctx;
  if (!isElement(el)) return out.reject("invalid_element", "a line must hold one JSON object");
  const op = el.op === undefined ? "insert" : opOf(el.op);
  if (isOpFail(op)) return out.reject(op.code, op.message);
  if (el.label !== undefined) return edgeElement(ctx, el, op);
  if (el.serviceName !== undefined || el.columnName !== undefined) {
    const vertexOp = vertexOpOf(op);
    if (isOpFail(vertexOp)) return out.reject(vertexOp.code, vertexOp.message);
    return vertexElement(ctx, el, vertexOp);
  }
  out.reject("unknown_kind", "a line must be an edge (with label) or a vertex (with serviceName and columnName)");
}
