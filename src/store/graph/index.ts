/**
 * graph: the property graph in ClickHouse — the sink's target and the reads getEdges and
 * getVertices are built on.
 *
 * The sink writes each batch of mutations once into `mutations`; materialized views fan the
 * rows out into op tables sorted for reads (schema.ts). Nothing is updated in place: the
 * current state of an edge or vertex is the timestamp-sorted fold of its ops under S2Graph's
 * merge rules, computed at read time (fold-sql.ts, ARCHITECTURE §4), so arrival order never
 * matters and a WAL replay is harmless.
 *
 * Semantics (reference-fold.ts states them as code; the property test holds the SQL to it):
 * - strong labels: one edge per (label, from, to). Insert (and insertBulk) resets every prop
 *   and sets the ones it names; update sets the ones it names; increment adds; delete resets
 *   every prop and hides the edge until a later insert/update/increment.
 * - weak labels: every insert/update/increment/insertBulk is its own edge; a delete of a pair
 *   at T hides that pair's edges at or before T.
 * - deleteAll of a vertex on a label at T (direction out: as a source, in: as a target) is a
 *   delete at T of every edge at that end; the edges disappear from both directions' reads
 *   (S2Graph's "edges with both in and out directions will be deleted"). An edge written at T
 *   itself is deleted too: a delete wins ties everywhere here, where S2Graph's deleteAll only
 *   picks edges strictly older than T (`TraversalHelper.deleteAllFetchedEdgesLs`).
 * - undirected labels read the same edge from either end.
 * - vertices: insert and update set the props they name, delete and deleteAll hide everything
 *   older; a vertex deleteAll at T also deletes, at T, the vertex's edges on every label whose
 *   source or target column is the vertex's column (S2Graph documents this; its HBase code at
 *   HEAD skips it, logging "truncated").
 * - equal timestamps: insert < update < increment < delete, then by id (order-key.ts).
 *
 * Effectively-once: every table deduplicates by mutation id (ReplacingMergeTree), reads never
 * count a replayed row twice, and where the engine has `insert_deduplication_token` the sink's
 * token drops a retried chunk before it is stored.
 *
 * Adjacency reads run at most the engine's `parallelism` at once; reads that wait for one to
 * finish share a statement when they differ only in their vertices (read-batch.ts).
 *
 * Errors are `EdgeflowError`s from the store: "unavailable"/"timeout"/"overloaded" are
 * retriable, "invalid" means the data or query will never succeed as sent.
 */
import type { LabelDef } from "../../lib/index.ts";
import type { Store, StoreFeatures } from "../types.ts";
import { syncLabelViews } from "./label-views.ts";
import {
  readDegrees, readEdges, readEdgesWithDegrees, readQuarantine, readVertices, tombstoneConstantsMaxDefault, tombstoneReads, vertexIdsMax, type TombstoneReads,
} from "./reads.ts";
import { ReadBatcher } from "./read-batch.ts";
import { deleteMarksViewCountSql, schemaStatements } from "./schema.ts";
import type {
  DegreeRow, DegreesQuery, EdgeRow, EdgesQuery, EdgesWithDegrees, GraphQuarantineRecord, GraphSinkRow, GraphStore, GraphStoreOptions,
  QuarantineQuery, QuarantineRow, SyncLabelsResult, VertexRow, VerticesQuery,
} from "./types.ts";
import { GraphWriter } from "./write.ts";

export type * from "./types.ts";
export { edgeFoldSql, tombstoneLookupSql, vertexFoldSql, type EdgeFoldSpec, type TombstoneSource } from "./fold-sql.ts";
export { edgesSql, edgesWithDegreesSql } from "./reads.ts";
export { labelViewName, labelViewSql } from "./label-views.ts";
export { edgeOpRank, vertexOpRank, orderKey } from "./order-key.ts";
export { sqlType, type TypeMode } from "./typed.ts";
export { tableNames } from "./schema.ts";

/** Adjacency reads that may wait for the store at once; past this, a read fails as "overloaded". */
const readsWaitingMax = 10_000;

class ClickHouseGraphStore implements GraphStore {
  private schemaReady: Promise<StoreFeatures> | undefined;
  private readonly writer: GraphWriter;
  private readonly now: () => number;
  /** Shared by every read of this instance: the scopes seen to hold tombstones (a hint, see reads.ts). */
  private readonly tombstones: TombstoneReads;
  /** Adjacency reads, at most the engine's parallelism at once; those that wait share statements. */
  private readonly batcher: ReadBatcher;

  constructor(
    private readonly store: Store,
    options: GraphStoreOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.tombstones = tombstoneReads(options.tombstoneConstantsMax ?? tombstoneConstantsMaxDefault);
    this.writer = new GraphWriter({ store, options, features: () => this.ready() });
    this.batcher = new ReadBatcher({ inFlightMax: options.readsInFlightMax ?? store.parallelism, vertexIdsMax, waitingMax: readsWaitingMax });
  }

  /** The schema, once; a failure (e.g. the server is down) is forgotten so the next call tries again. */
  private ready(): Promise<StoreFeatures> {
    this.schemaReady ??= this.createSchema().catch((error: unknown) => {
      this.schemaReady = undefined;
      throw error;
    });
    return this.schemaReady;
  }

  private async createSchema(): Promise<StoreFeatures> {
    const { features } = await this.store.serverInfo();
    const [marks] = await this.store.query<{ n: number | string }>(deleteMarksViewCountSql(this.store.database));
    const backfillDeleteMarks = Number(marks?.n ?? 0) === 0;
    for (const statement of schemaStatements(features, { backfillDeleteMarks })) await this.store.exec(statement);
    return features;
  }

  async ensureSchema(): Promise<void> {
    await this.ready();
  }

  async syncLabels(labels: readonly LabelDef[]): Promise<SyncLabelsResult> {
    await this.ready();
    return syncLabelViews(this.store, labels, this.now);
  }

  async writeMutations(rows: readonly GraphSinkRow[], dedupToken: string): Promise<void> {
    await this.writer.writeMutations(rows, dedupToken);
  }

  async writeQuarantine(rows: readonly GraphQuarantineRecord[], dedupToken: string): Promise<void> {
    await this.writer.writeQuarantine(rows, dedupToken);
  }

  async edges(query: EdgesQuery): Promise<EdgeRow[]> {
    const features = await this.ready();
    const read = async (q: EdgesQuery): Promise<EdgesWithDegrees> => ({ edges: await readEdges(this.store, q, this.tombstones, features), degrees: [] });
    return (await this.batcher.run("edges", query, read)).edges;
  }

  async degrees(query: DegreesQuery): Promise<DegreeRow[]> {
    await this.ready();
    return readDegrees(this.store, query, this.tombstones);
  }

  async edgesWithDegrees(query: EdgesQuery): Promise<EdgesWithDegrees> {
    const features = await this.ready();
    return this.batcher.run("edges+degrees", query, (q) => readEdgesWithDegrees(this.store, q, this.tombstones, features));
  }

  async vertices(query: VerticesQuery): Promise<VertexRow[]> {
    await this.ready();
    return readVertices(this.store, query);
  }

  async quarantine(query?: QuarantineQuery): Promise<QuarantineRow[]> {
    await this.ready();
    return readQuarantine(this.store, query);
  }
}

/**
 * A graph store over an open `Store`. Returns at once; the schema is created on first use (and
 * retried after a retriable failure), so the pipeline can start while ClickHouse is down.
 */
export function createGraphStore(store: Store, options: GraphStoreOptions): GraphStore {
  return new ClickHouseGraphStore(store, options);
}
