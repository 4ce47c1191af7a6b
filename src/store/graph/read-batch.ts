/**
 * Adjacency reads that wait share a statement.
 *
 * A statement's fixed cost dominates a small read: on chDB a 1-step read of one vertex costs
 * ~4.5 ms, of which ~3 ms is parsing, planning and answering whatever the rows (bench/get-edges.ts
 * profile; `SELECT 1` alone is ~1.2 ms). So at most `inFlightMax` reads run at once (the engine's
 * parallelism), and a read that arrives while all of them are busy joins a waiting batch of
 * reads of the same shape: label, direction, page, order, filters, point (`to`) and whether
 * degrees are read. When a read finishes, the oldest waiting batch runs as one read of the union
 * of its vertices, and each caller gets its own vertices' part.
 *
 * - The answer is the one the caller would get alone: every part of a read is per vertex (the
 *   page is `LIMIT n BY` the vertex, degrees are per vertex), and tombstones and delete marks
 *   only ever make a read take a slower exact path. In a batch, one vertex's mark sends the
 *   whole batch down that path: slower for the others, never a different answer.
 * - An idle engine adds nothing: a read starts at once while fewer than `inFlightMax` run.
 * - A batch holds at most `vertexIdsMax` vertices; a read that does not fit starts a new one.
 * - A batch that fails for a passing reason (the store down, a timeout, overloaded) fails every
 *   member with that error, as their own reads would have, and does not add N more statements
 *   to a struggling store. Any other failure runs the reads again one at a time, so one caller's
 *   bad read (too long a statement, say) fails only that caller.
 * - At most `waitingMax` reads wait; past that a read fails at once as "overloaded".
 */
import { EdgeflowError, assert, type PropValue } from "../../lib/index.ts";
import { isRetriable } from "../errors.ts";
import { idText } from "./typed.ts";
import type { EdgesQuery, EdgesWithDegrees } from "./types.ts";

export type BatchRead = (query: EdgesQuery) => Promise<EdgesWithDegrees>;

interface Member {
  query: EdgesQuery;
  resolve: (answer: EdgesWithDegrees) => void;
  reject: (error: unknown) => void;
}

interface Batch {
  key: string;
  read: BatchRead;
  members: Member[];
  /** The union of the members' vertices, by stored text. */
  vertices: Map<string, PropValue>;
}

export interface ReadBatcherLimits {
  inFlightMax: number;
  vertexIdsMax: number;
  waitingMax: number;
}

export class ReadBatcher {
  private inFlight = 0;
  private waitingReads = 0;
  /** Batches not started, oldest first. */
  private readonly queue: Batch[] = [];
  /** The newest waiting batch of each shape: the one a read of that shape joins. */
  private readonly open = new Map<string, Batch>();

  constructor(private readonly limits: ReadBatcherLimits) {
    assert(Number.isInteger(limits.inFlightMax) && limits.inFlightMax > 0, "read batcher inFlightMax must be a positive integer");
    assert(limits.vertexIdsMax > 0 && limits.waitingMax > 0, "read batcher limits must be positive");
  }

  /** Reads `query` with `read` (edges, or edges with degrees: `kind` tells them apart), alone or in a batch. */
  run(kind: string, query: EdgesQuery, read: BatchRead): Promise<EdgesWithDegrees> {
    if (this.inFlight < this.limits.inFlightMax) return this.runNow(query, read);
    if (this.waitingReads >= this.limits.waitingMax) {
      return Promise.reject(new EdgeflowError("overloaded", "store.reads_waiting_full", `${this.waitingReads} reads are waiting for the store`, {
        retryAfterSeconds: 1, retriable: true,
      }));
    }
    const key = shapeKey(kind, query);
    const texts = query.vertexIds.map(idText);
    let batch = this.open.get(key);
    if (batch === undefined || !fits(batch, texts, this.limits.vertexIdsMax)) {
      batch = { key, read, members: [], vertices: new Map() };
      this.open.set(key, batch);
      this.queue.push(batch);
    }
    for (const [i, text] of texts.entries()) if (!batch.vertices.has(text)) batch.vertices.set(text, query.vertexIds[i] as PropValue);
    this.waitingReads += 1;
    const joined = batch;
    return new Promise((resolve, reject) => joined.members.push({ query, resolve, reject }));
  }

  private async runNow(query: EdgesQuery, read: BatchRead): Promise<EdgesWithDegrees> {
    this.inFlight += 1;
    try {
      return await read(query);
    } finally {
      this.finished();
    }
  }

  private finished(): void {
    this.inFlight -= 1;
    const next = this.queue.shift();
    if (next === undefined) return;
    if (this.open.get(next.key) === next) this.open.delete(next.key);
    this.waitingReads -= next.members.length;
    assert(this.waitingReads >= 0, "waiting reads went negative");
    this.inFlight += 1;
    void this.runBatch(next).finally(() => this.finished());
  }

  private async runBatch(batch: Batch): Promise<void> {
    const [first] = batch.members;
    assert(first !== undefined, "a batch has a member");
    if (batch.members.length === 1) {
      await settle(first, () => batch.read(first.query));
      return;
    }
    let answer: EdgesWithDegrees;
    try {
      answer = await batch.read({ ...first.query, vertexIds: [...batch.vertices.values()] });
    } catch (error) {
      if (isRetriable(error)) {
        for (const member of batch.members) member.reject(error);
        return;
      }
      // Each read alone, one after another (this batch holds one of the in-flight places): an
      // error then belongs to the read that causes it.
      for (const member of batch.members) await settle(member, () => batch.read(member.query));
      return;
    }
    const parts = new BatchParts(answer);
    for (const member of batch.members) member.resolve(parts.of(member.query));
  }
}

async function settle(member: Member, read: () => Promise<EdgesWithDegrees>): Promise<void> {
  try {
    member.resolve(await read());
  } catch (error) {
    member.reject(error);
  }
}

function fits(batch: Batch, texts: readonly string[], vertexIdsMax: number): boolean {
  let added = 0;
  for (const text of new Set(texts)) if (!batch.vertices.has(text)) added += 1;
  return batch.vertices.size + added <= vertexIdsMax;
}

/** Reads of equal keys differ only in their vertices. */
function shapeKey(kind: string, query: EdgesQuery): string {
  const { label } = query;
  return JSON.stringify([
    kind, label.label, label.id, label.version, query.direction, query.limit, query.offset ?? 0, query.where ?? null,
    query.tsFrom ?? null, query.tsTo ?? null, query.to === undefined ? null : idText(query.to), query.orderBy ?? [],
  ]);
}

type EdgeRow = EdgesWithDegrees["edges"][number];

/** A batch's answer indexed once by vertex, so each caller's part costs its own rows, not the batch's. */
class BatchParts {
  /** Each vertex's edges, with their positions in the batch's answer. */
  private readonly edgesOf = new Map<string, Array<{ at: number; edge: EdgeRow }>>();
  private readonly degreeOf: Map<string, number>;

  constructor(private readonly answer: EdgesWithDegrees) {
    for (const [at, edge] of answer.edges.entries()) {
      const text = idText(edge.from);
      let list = this.edgesOf.get(text);
      if (list === undefined) this.edgesOf.set(text, (list = []));
      list.push({ at, edge });
    }
    this.degreeOf = new Map(answer.degrees.map((d) => [idText(d.vertexId), d.degree]));
  }

  /** A caller's part: its vertices' edges, in the batch's order, and its degrees in its own order. */
  of(query: EdgesQuery): EdgesWithDegrees {
    const texts = [...new Set(query.vertexIds.map(idText))];
    const mine = texts.flatMap((text) => this.edgesOf.get(text) ?? []);
    if (texts.length > 1) mine.sort((a, b) => a.at - b.at);
    const hasDegrees = this.answer.degrees.length > 0;
    return {
      edges: mine.map((m) => m.edge),
      degrees: hasDegrees ? query.vertexIds.map((vertexId) => ({ vertexId, degree: this.degreeOf.get(idText(vertexId)) ?? 0 })) : [],
    };
  }
}
