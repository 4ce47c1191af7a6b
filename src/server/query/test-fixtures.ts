/**
 * Test support: labels and a `SchemaLookup` built from plain objects. `s2_test` mirrors the
 * label of S2Graph's WhereParserTest and QueryTest (long ids; is_hidden, is_blocked, weight,
 * time, name, phone_number); the others cover string ids, strong and undirected labels.
 * Not exported from the module's front door.
 */
import type { ColumnDef, LabelDef, PropDef, SchemaLookup } from "../../lib/index.ts";
import type { FetchedEdge } from "./edge.ts";
import type { WhereEdge } from "./where-ast.ts";

export function prop(name: string, dataType: PropDef["dataType"], defaultValue?: PropDef["defaultValue"]): PropDef {
  return { name, dataType, defaultValue: defaultValue ?? (dataType === "string" ? "" : dataType === "boolean" ? false : 0) };
}

export function label(spec: Partial<LabelDef> & Pick<LabelDef, "label">): LabelDef {
  return {
    id: 1, srcServiceName: "s2graph", srcColumnName: "user_id", srcColumnType: "long",
    tgtServiceName: "s2graph", tgtColumnName: "user_id", tgtColumnType: "long",
    serviceName: "s2graph", isDirected: true, consistencyLevel: "weak", props: [], indices: [],
    extraProps: "reject", createdAtMs: 0, version: 1, ...spec,
  };
}

export const s2Test = label({
  label: "s2_test",
  props: [prop("is_hidden", "boolean"), prop("is_blocked", "boolean"), prop("weight", "long"), prop("time", "long"), prop("name", "string"), prop("phone_number", "string"), prop("affinity", "double")],
  indices: [{ name: "idx_1", propNames: ["weight"] }, { name: "idx_2", propNames: ["_timestamp"] }, { name: "idx_wt", propNames: ["weight", "time"] }],
});

export const viewed = label({
  id: 2, label: "viewed", tgtColumnName: "item_id", tgtColumnType: "string",
  props: [prop("rating", "double"), prop("kind", "string", "view"), prop("big", "long")],
});

export const follow = label({ id: 3, label: "follow", consistencyLevel: "strong", props: [prop("weight", "long")] });

export const tagged = label({
  id: 4, label: "tagged", srcColumnName: "item_id", srcColumnType: "string", tgtColumnName: "tag", tgtColumnType: "string",
  isDirected: false, props: [prop("weight", "integer")],
});

export const s2Test2 = label({ id: 5, label: "s2_test2", props: [prop("weight", "long")] });

export function lookup(labels: LabelDef[] = [s2Test, viewed, follow, tagged, s2Test2], columns: ColumnDef[] = []): SchemaLookup {
  const byName = new Map(labels.map((l) => [l.label, l]));
  return {
    version: 1,
    service: () => undefined,
    column: (s, c) => columns.find((col) => col.serviceName === s && col.columnName === c),
    label: (name) => byName.get(name),
  };
}

export function whereEdge(from: WhereEdge["from"], to: WhereEdge["to"], timestamp: number, props: Record<string, WhereEdge["from"]>, defaults: LabelDef = s2Test): WhereEdge {
  const filled: Record<string, WhereEdge["from"]> = {};
  for (const p of defaults.props) filled[p.name] = p.defaultValue;
  return { from, to, timestamp, props: { ...filled, ...props } };
}

export function fetched(spec: Partial<FetchedEdge> & Pick<FetchedEdge, "from" | "to">): FetchedEdge {
  return { label: "s2_test", direction: "out", timestamp: 0, props: {}, score: 1, ...spec };
}
