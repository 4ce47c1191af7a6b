/**
 * Shared set-up for the graph integration tests (test/integration/graph-*.test.ts): a graph
 * store on each engine — chDB in-process and the real ClickHouse server (18.16) — each in its
 * own database, with a registry the test can add labels to.
 */
import type { LabelDef } from "../../src/lib/index.ts";
import { createGraphStore, type GraphSinkRow, type GraphStore, type GraphStoreOptions, type Store, type StoreEngine } from "../../src/store/index.ts";
import { seededRandom, type Mutation } from "../../src/lib/index.ts";
import { uniqueDatabaseName } from "../support/clickhouse-server.ts";
import { openEngineStore } from "../support/engine-store.ts";

export const engines: readonly StoreEngine[] = ["chdb", "clickhouse"];

/** A registry of labels for `GraphStoreOptions.schema`, filled by the test. */
export class TestRegistry {
  private readonly labels = new Map<string, LabelDef>();

  add(...labels: LabelDef[]): this {
    for (const label of labels) this.labels.set(label.label, label);
    return this;
  }

  label(name: string): LabelDef | undefined {
    return this.labels.get(name);
  }
}

export interface GraphFixture {
  engine: StoreEngine;
  store: Store;
  graph: GraphStore;
  registry: TestRegistry;
  close(): Promise<void>;
}

export async function openGraph(engine: StoreEngine, prefix: string, options: Partial<GraphStoreOptions> = {}): Promise<GraphFixture> {
  const store = await openEngineStore(engine, uniqueDatabaseName(`${prefix}_${engine}`));
  const registry = new TestRegistry();
  const graph = createGraphStore(store, { schema: registry, ...options });
  await graph.ensureSchema();
  return {
    engine, store, graph, registry,
    async close() {
      // Cleanup only: a slow or failed drop (a loaded machine) must not fail the tests that passed.
      await store.exec(`DROP DATABASE IF EXISTS ${store.database}`).catch((error: unknown) => {
        console.warn(`could not drop ${store.database}: ${(error as Error).message}`);
      });
      await store.close();
    },
  };
}

/** `store` with some of its methods replaced; the rest still reach `store`. */
export function wrapStore(store: Store, overrides: Partial<Pick<Store, "query" | "insert" | "exec">>): Store {
  return new Proxy(store, {
    get(target, key) {
      const override = (overrides as Record<PropertyKey, unknown>)[key];
      if (override !== undefined) return override;
      const value: unknown = Reflect.get(target, key);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/** `store` with the text of every `query` it runs pushed onto `statements` (for counting a read's statements). */
export function countingStore(store: Store, statements: string[]): Store {
  return wrapStore(store, {
    query: <T,>(sql: string) => {
      statements.push(sql);
      return store.query<T>(sql);
    },
  });
}

/** Sink rows with sequence numbers from `firstSeq`. */
export function sinkRows(mutations: readonly Mutation[], firstSeq = 1): GraphSinkRow[] {
  return mutations.map((mutation, i) => ({ seq: firstSeq + i, mutation }));
}

/** A small seeded PRNG, so shuffles and splits replay from a seed. */
export const prng = seededRandom;

export function shuffle<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/**
 * Writes `mutations` in a shuffled order, in random batch splits, replaying some batches
 * (the same rows and token again, as the sink does after a crash).
 */
export async function writeScrambled(graph: GraphStore, mutations: readonly Mutation[], seed: number, options: { replays?: boolean } = {}): Promise<void> {
  const random = prng(seed);
  const order = shuffle(sinkRows(mutations), random);
  for (let start = 0; start < order.length;) {
    const size = 1 + Math.floor(random() * Math.max(1, Math.ceil(order.length / 2)));
    const batch = order.slice(start, start + size);
    const token = `s${seed}-${start}-${size}`;
    await graph.writeMutations(batch, token);
    if ((options.replays ?? true) && random() < 0.3) await graph.writeMutations(batch, token);
    start += size;
  }
}

let labelIds = 1000 + Math.floor(Math.random() * 1000) * 1000;

/** A label id unique in this process, so tests can share a database. */
export function nextLabelId(): number {
  labelIds += 1;
  return labelIds;
}
