/**
 * Fixtures for the graph tests (unit and integration): labels, a column, and mutation builders.
 * Not imported by production code.
 */
import type { ColumnDef, Direction, EdgeMutation, LabelDef, Mutation, PropDef, PropValue, VertexMutation } from "../../lib/index.ts";

export const testService = "svc";

export const edgeProps: PropDef[] = [
  { name: "weight", dataType: "long", defaultValue: 0 },
  { name: "score", dataType: "double", defaultValue: 0.5 },
  { name: "time", dataType: "integer", defaultValue: 0 },
  { name: "note", dataType: "string", defaultValue: "" },
  { name: "is_hidden", dataType: "boolean", defaultValue: false },
];

export function testLabel(
  name: string,
  id: number,
  options: { consistency?: "strong" | "weak"; isDirected?: boolean; column?: string; props?: PropDef[]; formerIds?: number[] } = {},
): LabelDef {
  const column = options.column ?? "user_id";
  return {
    id, label: name,
    srcServiceName: testService, srcColumnName: column, srcColumnType: "long",
    tgtServiceName: testService, tgtColumnName: column, tgtColumnType: "long",
    serviceName: testService, isDirected: options.isDirected ?? true, consistencyLevel: options.consistency ?? "strong",
    props: options.props ?? edgeProps, indices: [], extraProps: "reject", createdAtMs: 0, version: 1,
    // As the registry makes a label whose name no deleted label had: reads filter by name only.
    formerIds: options.formerIds ?? [],
  };
}

export function testColumn(name = "user_id", props?: PropDef[]): ColumnDef {
  return {
    serviceName: testService, columnName: name, columnType: "long",
    props: props ?? [
      { name: "age", dataType: "integer", defaultValue: 18 },
      { name: "country", dataType: "string", defaultValue: "kr" },
    ],
  };
}

/** Builds mutations with unique ids (`<prefix><n>`; pass explicit ids to control tie order). */
export class MutationBuilder {
  private n = 0;

  constructor(private readonly prefix = "m") {}

  private nextId(id: string | undefined): string {
    this.n += 1;
    return id ?? `${this.prefix}${String(this.n).padStart(4, "0")}`;
  }

  edge(
    op: EdgeMutation["op"],
    ts: number,
    label: string,
    from: PropValue,
    to: PropValue,
    props: Record<string, PropValue> = {},
    id?: string,
  ): EdgeMutation {
    return { kind: "edge", op, id: this.nextId(id), ts, service: testService, label, from, to, props };
  }

  deleteAll(ts: number, label: string, vertex: PropValue, direction: Direction, id?: string): Mutation {
    return { kind: "edge", op: "deleteAll", id: this.nextId(id), ts, service: testService, label, from: vertex, direction };
  }

  vertex(op: VertexMutation["op"], ts: number, column: string, vertexId: PropValue, props: Record<string, PropValue> = {}, id?: string): VertexMutation {
    return { kind: "vertex", op, id: this.nextId(id), ts, service: testService, column, vertexId, props };
  }
}
