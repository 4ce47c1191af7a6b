/**
 * The graph store's public types: what the sink hands it, and what reads return.
 *
 * `GraphSinkTarget` is structurally the sink's `SinkTarget` (src/server/sink), and
 * `GraphQuarantineRecord` the ingest's `QuarantineRecord`: the store may not import the server,
 * so the shapes are repeated here and TypeScript checks them where the server wires them up.
 */
import type { ColumnDef, Direction, LabelDef, Mutation, PropValue, SchemaLookup } from "../../lib/index.ts";
import type { InsertFormat } from "../types.ts";

export interface GraphSinkRow {
  seq: number;
  mutation: Mutation;
}

export interface GraphQuarantineRecord {
  rawText: string;
  rawBytes: number;
  rawTruncated: boolean;
  code: string;
  message: string;
  /** Line number from 1 (line formats), or undefined for JSON array bodies. */
  line: number | undefined;
  /** Element index from 0. */
  index: number;
  receivedAtMs: number;
  service: string | undefined;
}

/** What the sink writes to. Errors are `EdgeflowError`s: retriable kinds for outages, "invalid" for refused data. */
export interface GraphSinkTarget {
  /**
   * Writes the batch, or throws. A retry of the same rows passes the same array and the same
   * token (the store keeps a failed batch's encoding by the array until it is written).
   */
  writeMutations(rows: readonly GraphSinkRow[], dedupToken: string): Promise<void>;
  writeQuarantine(rows: readonly GraphQuarantineRecord[], dedupToken: string): Promise<void>;
}

export interface GraphStoreOptions {
  /** Resolves a mutation's label to its id and consistency level when it is written. */
  schema: Pick<SchemaLookup, "label">;
  /** Insert format; default JSONEachRow, measured the faster or as fast on both engines (see write.ts). */
  insertFormat?: InsertFormat;
  /** chDB inserts go in chunks of this many rows (a chunk holds one session; reads run on the others). Default 100 000. */
  chdbInsertChunkRows?: number;
  /**
   * deleteAll tombstones a read inlines as constants after looking them up; past this many it
   * joins the tombstone table. 0 always joins (and never checks or looks them up). Default 200.
   */
  tombstoneConstantsMax?: number;
  /** Wall clock in ms, for `received_ms`. Default `Date.now`. */
  now?: () => number;
  /**
   * Adjacency reads run at once; reads that wait for one to finish share a statement
   * (read-batch.ts). Default: the store's `parallelism`.
   */
  readsInFlightMax?: number;
}

export interface EdgesQuery {
  label: LabelDef;
  direction: Direction;
  /** The vertices to read from (of the source column for "out", the target column for "in"). */
  vertexIds: readonly PropValue[];
  /** Edges per vertex, newest first. */
  limit: number;
  /** Edges skipped per vertex before `limit` applies. Default 0. */
  offset?: number;
  /**
   * A SQL predicate over the typed columns `from`, `to`, `timestamp` and one column per prop
   * (named as in the registry, typed as in `sqlType(..., "read")`), built by the caller
   * with `quoteIdentifier` and the quoting functions. It is wrapped in parentheses.
   */
  where?: string;
  /** Inclusive lower bound on the edge's timestamp (S2Graph's `duration.from`). */
  tsFrom?: number;
  /** Exclusive upper bound on the edge's timestamp (S2Graph's `duration.to`). */
  tsTo?: number;
  /** Only the edge(s) to this vertex (a point lookup: checkEdges, getEdge). */
  to?: PropValue;
  /**
   * The vertex-centric index order: prop names (or `_timestamp`, `_from`, `_to`), each
   * descending, as S2Graph stores index values (`InnerVal.order = DESCENDING`). Ties, and the
   * default, are newest first. `LIMIT n BY` keeps the first `limit` in this order.
   */
  orderBy?: readonly string[];
}

/**
 * One live edge as read from one end. For "in", `from` is the queried vertex (the edge's
 * target) and `to` the other end, as S2Graph returns in-edges; undirected labels read the same
 * from either end.
 */
export interface EdgeRow {
  label: string;
  direction: Direction;
  from: PropValue;
  to: PropValue;
  /** The timestamp of the edge's latest insert, update or increment (weak: of the edge). */
  ts: number;
  /** Every prop the label defines, defaults filled in, typed by the registry. */
  props: Record<string, PropValue>;
}

export interface DegreesQuery {
  label: LabelDef;
  direction: Direction;
  vertexIds: readonly PropValue[];
}

export interface DegreeRow {
  vertexId: PropValue;
  /** Live edges of the vertex (weak labels: every live multi-edge counts). */
  degree: number;
}

/** Edges and degrees of the same read. */
export interface EdgesWithDegrees {
  edges: EdgeRow[];
  /** Per queried vertex, in the order given: its live edges, whatever the page, `where` and duration. */
  degrees: DegreeRow[];
}

export interface VerticesQuery {
  column: ColumnDef;
  ids: readonly PropValue[];
}

export interface VertexRow {
  id: PropValue;
  /** The timestamp of the vertex's latest insert or update. */
  ts: number;
  props: Record<string, PropValue>;
}

export interface QuarantineQuery {
  service?: string;
  /** Default 1000. */
  limit?: number;
}

/** A quarantine row as read back: the record the sink wrote. */
export type QuarantineRow = GraphQuarantineRecord;

export interface SyncLabelsResult {
  /** Views created or replaced, by name. */
  replaced: string[];
  /** Views of labels that no longer exist, dropped. */
  dropped: string[];
}

export interface GraphStore extends GraphSinkTarget {
  /** Creates the tables and views once (idempotent); every call below waits for it. */
  ensureSchema(): Promise<void>;
  /** Creates or replaces `label_<name>` for each label whose definition changed; drops views of labels not listed. */
  syncLabels(labels: readonly LabelDef[]): Promise<SyncLabelsResult>;
  edges(query: EdgesQuery): Promise<EdgeRow[]>;
  degrees(query: DegreesQuery): Promise<DegreeRow[]>;
  /**
   * `edges` and `degrees` of the same vertices in one statement, where the two calls cost two
   * (or more) statements. `to` must be unset.
   */
  edgesWithDegrees(query: EdgesQuery): Promise<EdgesWithDegrees>;
  vertices(query: VerticesQuery): Promise<VertexRow[]>;
  quarantine(query?: QuarantineQuery): Promise<QuarantineRow[]>;
}
