/**
 * `transform` / `outputField`: rewrite an edge's `to` (the next hop) from its fields, after
 * S2Graph's `EdgeTransformer`. `[["_to"]]` keeps the edge; `[["weight"]]` makes the prop the next
 * hop; `[["item.$", "item_id"]]` formats text, `$` standing for each field in turn. Several lists
 * give several edges. Formatted text only continues into string-typed columns: at the last step
 * it needs a string target column, before that one copy is made per next-step label that starts
 * from a string column, as S2Graph does.
 */
import type { PropValue } from "../../lib/index.ts";
import { fieldValue, type FetchedEdge } from "./edge.ts";
import type { LabelParamPlan, StepPlan } from "./plan.ts";

export function isDefaultTransform(transform: readonly (readonly string[])[]): boolean {
  const only = transform.length === 1 ? transform[0] : undefined;
  return only !== undefined && only.length === 1 && (only[0] === "_to" || only[0] === "to");
}

/** Java's `String.split`: trailing empty strings are dropped, but "" splits into [""]. */
function javaSplit(text: string, separator: string): string[] {
  if (text === "") return [""];
  const parts = text.split(separator);
  while (parts.length > 0 && parts[parts.length - 1] === "") parts.pop();
  return parts;
}

function format(fmt: string, values: readonly PropValue[]): string {
  return javaSplit(fmt, "$").map((prefix, i) => prefix + (i < values.length ? String(values[i]) : "")).join("");
}

function formatCopies(param: LabelParamPlan, nextStep: StepPlan | null): number {
  if (nextStep === null) {
    const target = param.direction === "out" ? param.label.tgtColumnType : param.label.srcColumnType;
    return target === "string" ? 1 : 0;
  }
  return nextStep.params.filter((p) => (p.direction === "out" ? p.label.srcColumnType : p.label.tgtColumnType) === "string").length;
}

/** The edges one fetched edge becomes; the default transform returns it unchanged. */
export function transformEdge(param: LabelParamPlan, edge: FetchedEdge, nextStep: StepPlan | null): FetchedEdge[] {
  if (isDefaultTransform(param.transform)) return [edge];
  const out: FetchedEdge[] = [];
  for (const fields of param.transform) {
    if (fields.length === 1) {
      const value = fieldValue(edge, fields[0] as string);
      if (value !== undefined) out.push({ ...edge, to: value, original: edge });
      continue;
    }
    const values = fields.slice(1).map((f) => fieldValue(edge, f)).filter((v): v is PropValue => v !== undefined);
    const text = format(fields[0] as string, values);
    for (let i = 0; i < formatCopies(param, nextStep); i++) out.push({ ...edge, to: text, original: edge });
  }
  return out;
}
