/**
 * Deterministic mutation ids, so a replayed or re-sent mutation can be deduplicated downstream,
 * and the WAL record of each mutation, made from the same text.
 *
 * A mutation is built here with its fields in one fixed order (kind, op, ts, service, label or
 * column, the out-direction ends or the vertex id, props with keys sorted) and written once with
 * `JSON.stringify`. Its id is the first 128 bits (32 hex digits) of SHA-256 over that text, and
 * its WAL record is the same text with the id put in front: `{"id":"…",<the rest>}`. So a row
 * is stringified once, not once for its id and again for the log (bench/ingest-decode.ts
 * measures decoding with the records made). Content texts start with `{`, client-id texts with
 * `[`, so the two never hash the same text.
 * Values are hashed after normalisation (`coerceValue`/`coerceId`), so `"5"` and `5` for a
 * `long` id give the same id, and key order never matters. A cryptographic hash, because ids
 * from different tenants share one table: nobody should be able to craft a row that collides
 * with another tenant's.
 *
 * A client may name a mutation itself (for idempotent retries); its id is then the hash of
 * the service and the client's id (plus the fan-out position when one element yields several
 * mutations), so two tenants using the same client ids never collide.
 */
import type { Direction, EdgeDeleteAllMutation, EdgeMutation, Mutation, PropValue, VertexMutation } from "../../lib/index.ts";

export const mutationIdHexLength = 32;

/** A validated mutation and its WAL record (the mutation as JSON, id first). */
export interface IdentifiedMutation {
  mutation: Mutation;
  record: string;
}

/** A client's own name for a mutation; `fanoutIndex` only when its element fans out. */
export interface ClientName {
  service: string;
  clientId: string;
  fanoutIndex?: number;
}

function hashHex(text: string): string {
  // Bun's native hex then a slice: ~0.2 us a row, where hashing to bytes and hex-encoding the
  // first 16 through a Buffer took ~0.4-0.6 us (measured with 200k canonical id texts).
  return Bun.SHA256.hash(text, "hex").slice(0, mutationIdHexLength);
}

/**
 * Props in a canonical, order-free form: the object itself when its keys are already sorted
 * (the checkers build props in sorted key order, so this is the usual case and costs one pass
 * over the keys), else a copy with sorted keys. `JSON.stringify` keeps insertion order.
 */
function canonicalProps(props: Record<string, PropValue>): Record<string, PropValue> {
  const keys = Object.keys(props);
  let sorted = true;
  for (let i = 1; i < keys.length; i++) {
    if ((keys[i - 1] as string) >= (keys[i] as string)) {
      sorted = false;
      break;
    }
  }
  if (sorted) return props;
  keys.sort();
  const copy: Record<string, PropValue> = {};
  for (const key of keys) copy[key] = props[key] as PropValue;
  return copy;
}

/** The id of a client-named mutation. */
export function clientMutationId(name: ClientName): string {
  const { service, clientId, fanoutIndex } = name;
  return hashHex(JSON.stringify(fanoutIndex === undefined ? ["c", service, clientId] : ["c", service, clientId, fanoutIndex]));
}

/** Names `body` (built in the canonical field order, without an id) and writes its record. */
function identified<M extends Mutation>(body: Omit<M, "id">, client: ClientName | undefined): IdentifiedMutation {
  const text = JSON.stringify(body);
  const id = client === undefined ? hashHex(text) : clientMutationId(client);
  const mutation = body as M;
  mutation.id = id;
  return { mutation, record: `{"id":"${id}",${text.slice(1)}` };
}

export function edgeMutation(
  service: string, label: string, op: EdgeMutation["op"], ts: number, from: PropValue, to: PropValue, props: Record<string, PropValue>, client?: ClientName,
): IdentifiedMutation {
  return identified<EdgeMutation>({ kind: "edge", op, ts, service, label, from, to, props: canonicalProps(props) }, client);
}

export function deleteAllMutation(service: string, label: string, ts: number, from: PropValue, direction: Direction, client?: ClientName): IdentifiedMutation {
  return identified<EdgeDeleteAllMutation>({ kind: "edge", op: "deleteAll", ts, service, label, from, direction }, client);
}

export function vertexMutation(
  service: string, column: string, op: VertexMutation["op"], ts: number, vertexId: PropValue, props: Record<string, PropValue>, client?: ClientName,
): IdentifiedMutation {
  return identified<VertexMutation>({ kind: "vertex", op, ts, service, column, vertexId, props: canonicalProps(props) }, client);
}
