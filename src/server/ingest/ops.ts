/**
 * S2Graph's op names and aliases (`GraphUtil.operations`/`toOp`), for the formats that carry
 * an op per row (bulk TSV, NDJSON).
 */
import type { EdgeOp, VertexOp } from "../../lib/index.ts";
import type { RowErrorCode } from "./types.ts";

type Fail = { code: RowErrorCode; message: string };

const opAliases: Record<string, EdgeOp | "incrementCount"> = {
  i: "insert", insert: "insert",
  u: "update", update: "update",
  increment: "increment",
  d: "delete", delete: "delete",
  deleteAll: "deleteAll",
  insertBulk: "insertBulk",
  incrementCount: "incrementCount",
};

/** An op name or alias as an edge op. S2Graph's `incrementCount` (a counter cell) has no edgeflow equivalent. */
export function opOf(value: unknown): EdgeOp | Fail {
  const name = typeof value === "string" ? value.trim() : undefined;
  const op = name !== undefined && Object.hasOwn(opAliases, name) ? opAliases[name] : undefined;
  if (op === undefined) return { code: "unsupported_op", message: `unknown op ${JSON.stringify(value)}` };
  if (op === "incrementCount") return { code: "unsupported_op", message: "incrementCount is not supported; use increment" };
  return op;
}

/** The same op for a vertex: S2Graph has no vertex increment ("not yet implemented") or insertBulk. */
export function vertexOpOf(op: EdgeOp): VertexOp | Fail {
  if (op === "increment" || op === "insertBulk") return { code: "unsupported_op", message: `op ${op} is not supported for vertices` };
  return op;
}

export function isOpFail(value: unknown): value is Fail {
  return typeof value === "object" && value !== null;
}
