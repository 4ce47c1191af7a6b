/**
 * The validated mutation: the unit the HTTP layer writes to the WAL and the sink reads back.
 *
 * A mutation is stored in the WAL exactly as validated (before any side-data join), so a
 * replay after a side-data fix re-joins from the source of truth. Its WAL record is the
 * mutation as compact JSON (UTF-8): one record per mutation, so a record's sequence number
 * identifies one row and the sink can checkpoint at any record.
 *
 * Invariants, checked by `assertMutation` before a record is written and after it is read:
 * - `ts` is a non-negative integer of milliseconds (S2Graph's tests use 1, 2, 3);
 * - `id` is a deterministic hex hash of the mutation (or derived from a client-given id), so
 *   replays can be deduplicated downstream;
 * - edges are stored in the `out` direction: an edge sent with `direction: "in"` has its
 *   `from` and `to` swapped at decode time, as S2Graph does;
 * - props hold only names the label or column defines, with values already normalised to
 *   their data types (see `coerceValue`).
 */
import { assert } from "./errors.ts";
import type { PropValue } from "./schema.ts";

export const edgeOps = ["insert", "update", "increment", "delete", "deleteAll", "insertBulk"] as const;
export type EdgeOp = (typeof edgeOps)[number];

export const vertexOps = ["insert", "update", "delete", "deleteAll"] as const;
export type VertexOp = (typeof vertexOps)[number];

export type Direction = "out" | "in";

export interface EdgeMutation {
  kind: "edge";
  op: Exclude<EdgeOp, "deleteAll">;
  id: string;
  ts: number;
  /** The owning service of the label: the tenant this row belongs to. */
  service: string;
  label: string;
  from: PropValue;
  to: PropValue;
  props: Record<string, PropValue>;
}

/** Deletes every edge of `from` on `label` (both directions) older than `ts`. */
export interface EdgeDeleteAllMutation {
  kind: "edge";
  op: "deleteAll";
  id: string;
  ts: number;
  service: string;
  label: string;
  from: PropValue;
  direction: Direction;
}

export interface VertexMutation {
  kind: "vertex";
  op: VertexOp;
  id: string;
  ts: number;
  service: string;
  column: string;
  vertexId: PropValue;
  props: Record<string, PropValue>;
}

export type Mutation = EdgeMutation | EdgeDeleteAllMutation | VertexMutation;

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

export function assertMutation(m: Mutation): void {
  // Runs per row, so the messages with values are built only on failure.
  if (!Number.isSafeInteger(m.ts) || m.ts < 0) assert(false, `mutation ts must be a non-negative integer, got ${m.ts}`);
  assert(typeof m.id === "string" && m.id.length > 0, "mutation id must be a non-empty string");
  if (m.kind !== "edge" && m.kind !== "vertex") assert(false, `unknown mutation kind ${(m as { kind: unknown }).kind}`);
}

export function encodeMutation(m: Mutation): Uint8Array {
  assertMutation(m);
  return encoder.encode(JSON.stringify(m));
}

export function decodeMutation(bytes: Uint8Array): Mutation {
  const m = JSON.parse(decoder.decode(bytes)) as Mutation;
  assertMutation(m);
  return m;
}
