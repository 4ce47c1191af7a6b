/**
 * The fold order: every mutation gets one sortable key, and "later" always means "greater key".
 *
 *   okey = 16 lower-case hex digits of ts ‖ one rank digit ‖ mutation id
 *
 * Compared as bytes (ClickHouse compares `String`s bytewise; so does `compareBytes` here), the
 * key orders by timestamp, then by rank, then by id. A fixed width for `ts` (ts is a
 * non-negative safe integer, so 14 hex digits would do) makes byte order equal numeric order.
 *
 * Equal timestamps: S2Graph has no fixed rule. `S2Edge.buildOperation` drops a request whose
 * timestamp equals the stored edge's (`filter(oldTs != ts)`), sorts the rest with a stable sort
 * on `ts` alone, so requests with equal timestamps apply in arrival order, and
 * `mergeUpsert`/`mergeUpdate` keep the stored value on a tie (`old.ts >= new.ts`): the first
 * writer of a timestamp wins. That depends on arrival order, which edgeflow must not
 * (ARCHITECTURE §4). So ties are broken by the op's rank, then by id:
 *
 *   insert = insertBulk (0)  <  update (1)  <  increment (2)  <  delete = deleteAll (3)
 *
 * - A delete wins every tie. This is S2Graph's own visibility rule: an edge whose props are all
 *   at or before `_lastDeletedAt` is deleted (`S2Edge.allPropsDeleted` tests `ts > lastDeletedAt`),
 *   so a delete at T hides an insert at T. It also makes "a delete at T hides everything at or
 *   before T" true for weak labels, deleteAll and vertices alike.
 * - An update applies after an insert of the same timestamp: the update's props win and the
 *   insert's other props stay, so neither write is lost (the other order would drop the update).
 * - An increment applies after any set of the same timestamp, so an increment is never lost to a
 *   tie (S2Graph can drop late increments; edgeflow never does).
 * - Between two ops of the same rank and timestamp the greater id applies last. Ids are
 *   deterministic hashes of the mutation, so the winner does not depend on arrival order.
 *   (Two increments commute, so their order does not matter.)
 *
 * The same key drives the SQL fold (maxIf/argMaxIf over `okey`) and the TypeScript reference
 * fold, so both break ties identically.
 */
import { EdgeflowError, type EdgeOp, type Mutation, type VertexOp } from "../../lib/index.ts";

/** Ranks of edge ops at equal timestamps (see the file comment). */
export const edgeOpRank: Readonly<Record<EdgeOp, number>> = {
  insert: 0,
  insertBulk: 0,
  update: 1,
  increment: 2,
  delete: 3,
  deleteAll: 3,
};

/** Ranks of vertex ops at equal timestamps: a delete wins, an update applies after an insert. */
export const vertexOpRank: Readonly<Record<VertexOp, number>> = {
  insert: 0,
  update: 1,
  delete: 3,
  deleteAll: 3,
};

const tsHexDigits = 16;

/** The rank of deletes (edge delete and deleteAll, vertex delete and deleteAll). */
export const deleteRank = edgeOpRank.delete;

/** The rank digit of an order key. */
export function rankOf(okey: string): number {
  return Number(okey.charAt(tsHexDigits));
}

/** The order key of a mutation (throws "invalid" for a timestamp the key cannot hold). */
export function orderKey(mutation: Mutation): string {
  const rank = mutation.kind === "edge" ? edgeOpRank[mutation.op] : vertexOpRank[mutation.op];
  if (rank === undefined) {
    throw new EdgeflowError("invalid", "graph.unknown_op", `unknown ${mutation.kind} op ${JSON.stringify((mutation as { op: unknown }).op)}`);
  }
  return orderKeyOf(mutation.ts, rank, mutation.id);
}

export function orderKeyOf(ts: number, rank: number, id: string): string {
  if (!Number.isSafeInteger(ts) || ts < 0) {
    throw new EdgeflowError("invalid", "graph.bad_timestamp", `timestamp must be a non-negative safe integer, got ${ts}`);
  }
  return `${ts.toString(16).padStart(tsHexDigits, "0")}${rank}${id}`;
}

/** Byte order of the UTF-8 forms, as ClickHouse compares strings. */
export function compareBytes(a: string, b: string): number {
  // Pure ASCII (the usual case: hex keys) compares the same in UTF-16 and UTF-8.
  if (isAscii(a) && isAscii(b)) return a < b ? -1 : a > b ? 1 : 0;
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}
