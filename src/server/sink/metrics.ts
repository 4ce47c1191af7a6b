/**
 * Sink metrics: freshness (acknowledgement → queryable) as a Prometheus histogram and as
 * recent percentiles for `GET /v1/stats`; rows and batches written; retries by code.
 */
import { Counter, Histogram, type Registry as PromRegistry } from "prom-client";
import type { EdgeflowError } from "../../lib/index.ts";

/** What the sink reports as it works; the metrics below are one such observer. */
export interface SinkObserver {
  /** Seconds from acknowledgement to visible, for one write. */
  freshness?(seconds: number): void;
  batch?(rows: number, seconds: number): void;
  retry?(error: EdgeflowError): void;
  quarantined?(rows: number): void;
}

/** Freshness samples kept for percentiles: the most recent ones, in a ring. */
export const freshnessSamplesMax = 10_000;

export class SinkMetrics {
  readonly freshness: Histogram;
  readonly rows: Counter;
  readonly batches: Histogram;
  readonly retries: Counter<"code">;
  readonly quarantined: Counter;
  private readonly samples = new Float64Array(freshnessSamplesMax);
  private sampleCount = 0;

  constructor(registry: PromRegistry) {
    const registers = [registry];
    this.freshness = new Histogram({
      name: "edgeflow_freshness_seconds",
      help: "Time from a write's acknowledgement to its rows being queryable",
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 1.5, 2, 3, 5, 10, 30, 60],
      registers,
    });
    this.rows = new Counter({ name: "edgeflow_sink_rows_total", help: "Rows the sink wrote to ClickHouse", registers });
    this.batches = new Histogram({
      name: "edgeflow_sink_batch_duration_seconds",
      help: "Time to write one batch to ClickHouse, retries included",
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.retries = new Counter({ name: "edgeflow_sink_retries_total", help: "Failed sink writes that were retried, by error code", labelNames: ["code"], registers });
    this.quarantined = new Counter({ name: "edgeflow_sink_quarantined_rows_total", help: "Rows ClickHouse refused, moved to the quarantine", registers });
  }

  observer(): SinkObserver {
    return {
      freshness: (seconds) => {
        this.freshness.observe(seconds);
        this.samples[this.sampleCount % freshnessSamplesMax] = seconds;
        this.sampleCount++;
      },
      batch: (rows, seconds) => {
        this.rows.inc(rows);
        this.batches.observe(seconds);
      },
      retry: (error: EdgeflowError) => this.retries.inc({ code: error.code }),
      quarantined: (rows) => this.quarantined.inc(rows),
    };
  }

  /** Percentiles of the recent freshness samples, in seconds. */
  freshnessPercentiles(): { samples: number; p50: number | null; p99: number | null; max: number | null } {
    const n = Math.min(this.sampleCount, freshnessSamplesMax);
    if (n === 0) return { samples: 0, p50: null, p99: null, max: null };
    const sorted = Array.from(this.samples.subarray(0, n)).sort((a, b) => a - b);
    const at = (p: number) => sorted[Math.min(n - 1, Math.floor(p * n))] ?? null;
    return { samples: this.sampleCount, p50: at(0.5), p99: at(0.99), max: sorted[n - 1] ?? null };
  }
}
