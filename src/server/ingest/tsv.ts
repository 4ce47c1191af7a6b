/**
 * S2Graph's bulk TSV (`/graphs/edges/bulk`), which is also edgeflow's native TSV.
 *
 * One element a line, edges and vertices mixed (`GraphElementBuilder.toEdge/toVertex`):
 *
 *     ts \t op \t e|edge \t from \t to \t label [\t {props} [\t direction]]
 *     ts \t op \t v|vertex \t id \t service \t column [\t {props}]
 *
 * `op` takes S2Graph's names and aliases (`i|insert, u|update, increment, d|delete,
 * deleteAll, insertBulk`); a deleteAll edge line names its vertex in `from` (S2Graph writes
 * `ts deleteAll e id id label {} direction`). As in S2Graph, a direction other than `in`
 * means `out`, fields after the last one used are ignored, and props that are valid JSON but
 * not an object are refused here (S2Graph ignored them). Empty lines are skipped; line
 * numbers count from 1 and include them. S2Graph's rarely used "line that is a JSON array of
 * TSV strings" form is not taken.
 */
import { checkersFor } from "./checkers.ts";
import { depthExceeds } from "./depth.ts";
import { edgeElement, vertexElement, type ElementContext } from "./elements.ts";
import { isOpFail, opOf, vertexOpOf } from "./ops.ts";
import { RowCollector } from "./rows.ts";
import { forEachLine } from "./text.ts";
import { ingestDefaults, type DecodeOptions, type DecodeResult } from "./types.ts";

export function decodeTsv(body: Uint8Array | string, opts: DecodeOptions): DecodeResult {
  const depthMax = opts.depthMax ?? ingestDefaults.depthMax;
  const out = new RowCollector(opts.rowsMax ?? ingestDefaults.rowsMax);
  const ctx: ElementContext = { checkers: checkersFor(opts.lookup), out, defaultTimestampMs: undefined };
  forEachLine(body, {
    line(text, lineNumber) {
      out.begin(lineNumber, text);
      tsvLine(ctx, text, depthMax);
    },
    badLine(text, lineNumber) {
      out.begin(lineNumber, text);
      out.reject("invalid_utf8", "the line is not valid UTF-8");
    },
  });
  return out.finish();
}

function tsvLine(ctx: ElementContext, text: string, depthMax: number): void {
  const { out } = ctx;
  const parts = text.split("\t");
  if (parts.length < 6) return out.reject("invalid_tsv", `a line needs at least 6 tab-separated fields, got ${parts.length}`);
  const [timestamp, opText, kindText, a, b, c, propsText, directionText] = parts as [string, string, string, string, string, string, string?, string?];
  const op = opOf(opText);
  if (isOpFail(op)) return out.reject(op.code, op.message);
  let props: unknown;
  if (propsText !== undefined && propsText.trim() !== "") {
    if (depthExceeds(propsText, 0, propsText.length, depthMax)) return out.reject("too_deep", `props nest deeper than ${depthMax} levels`);
    try {
      props = JSON.parse(propsText);
    } catch (error) {
      return out.reject("invalid_json", `props are not valid JSON: ${(error as Error).message}`);
    }
  }
  const kind = kindText.trim().toLowerCase();
  if (kind === "e" || kind === "edge") {
    const direction = directionText?.trim() === "in" ? "in" : "out";
    return edgeElement(ctx, { timestamp, from: a, to: b, label: c, props, direction }, op);
  }
  if (kind === "v" || kind === "vertex") {
    const vertexOp = vertexOpOf(op);
    if (isOpFail(vertexOp)) return out.reject(vertexOp.code, vertexOp.message);
    return vertexElement(ctx, { timestamp, id: a, serviceName: b, columnName: c, props }, vertexOp);
  }
  out.reject("unknown_kind", `the third field must be e (edge) or v (vertex), got ${JSON.stringify(kindText)}`);
}
