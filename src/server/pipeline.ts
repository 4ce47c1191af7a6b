/**
 * The downstream half of the pipeline: the graph store over the opened store, the sink that
 * moves the WAL into it, and the label views kept in step with the registry.
 *
 * Started after the HTTP side is ready and stopped before the WAL closes: a clean stop
 * finishes the batch in flight and checkpoints it, so the next start replays nothing.
 */
import type { Logger } from "pino";
import type { Registry as PromRegistry } from "prom-client";
import { createGraphStore, type GraphStore, type Store } from "../store/index.ts";
import type { IngestLog } from "./mutate/index.ts";
import type { Registry } from "./registry/index.ts";
import { Sink, SinkMetrics, type SinkHealth, type SinkOptions } from "./sink/index.ts";

export interface PipelineDeps {
  store: Store;
  registry: Registry;
  ingestLog: IngestLog;
  log: Logger;
  prometheus: PromRegistry;
  now: () => number;
  sinkOptions?: Partial<SinkOptions>;
}

/** How long to wait before retrying label views after a failure (ClickHouse down). */
const labelSyncRetryMs = 2_000;

export class Pipeline {
  readonly graph: GraphStore;
  readonly sink: Sink;
  readonly sinkMetrics: SinkMetrics;
  private labelSync: Promise<void> = Promise.resolve();
  private labelSyncWanted = false;
  private labelSyncError: string | undefined;
  private stopped = false;

  constructor(private readonly deps: PipelineDeps) {
    this.graph = createGraphStore(deps.store, { schema: deps.registry, now: deps.now });
    this.sinkMetrics = new SinkMetrics(deps.prometheus);
    this.sink = new Sink({
      mutations: deps.ingestLog.mutations,
      quarantine: deps.ingestLog.quarantine,
      target: this.graph,
      log: deps.log,
      now: deps.now,
      observer: this.sinkMetrics.observer(),
      ...(deps.sinkOptions ? { options: deps.sinkOptions } : {}),
    });
    deps.ingestLog.setVisibility(this.sink);
    deps.ingestLog.onAcknowledged = (lastSeq) => this.sink.ackTimes.add(lastSeq, deps.now());
    deps.registry.onChange((change) => {
      if (change.kind === "label" || change.kind === "label_deleted") this.syncLabels();
    });
  }

  start(): void {
    this.sink.start();
    this.syncLabels();
  }

  /** Brings the analyst views in line with the registry; retried in the background while ClickHouse is away. */
  syncLabels(): void {
    if (this.labelSyncWanted) return;
    this.labelSyncWanted = true;
    this.labelSync = this.labelSync.then(async () => {
      while (this.labelSyncWanted && !this.stopped) {
        this.labelSyncWanted = false;
        try {
          const result = await this.graph.syncLabels(this.deps.registry.allLabels());
          this.labelSyncError = undefined;
          if (result.replaced.length + result.dropped.length > 0) this.deps.log.info(result, "label views synced");
        } catch (error) {
          this.labelSyncError = (error as Error).message;
          this.deps.log.warn({ err: error }, "could not sync label views; retrying");
          await new Promise((resolve) => setTimeout(resolve, labelSyncRetryMs));
          this.labelSyncWanted = true;
        }
      }
    });
  }

  /** Resolves once the label views match the registry (tests and admin calls that need the views). */
  async labelsSynced(): Promise<void> {
    await this.labelSync;
  }

  health(): SinkHealth & { labelViews: string | undefined } {
    return { ...this.sink.health(), labelViews: this.labelSyncError };
  }

  stats(): Record<string, unknown> {
    const sink = this.sink.health();
    const wal = this.deps.ingestLog.mutations.health();
    return {
      freshnessSeconds: this.sinkMetrics.freshnessPercentiles(),
      sink: { state: sink.state, reason: sink.reason ?? null, visibleSeq: sink.visibleSeq, backlogRows: sink.backlogRows },
      quarantineSink: this.sink.quarantineHealth(),
      wal: { state: wal.state, lastSeq: wal.lastSeq, durableSeq: wal.durableSeq, checkpointSeq: wal.checkpointSeq, diskBytes: wal.diskBytes, diskBytesMax: wal.diskBytesMax },
    };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.sink.stop();
    await this.labelSync.catch(() => undefined);
  }
}
