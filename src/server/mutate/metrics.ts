/**
 * Ingest metrics: rows by label and result, quarantine counts, and the WAL's own figures
 * (fsync durations, bytes, segments, queue depth) read from the log at scrape time.
 */
import { Counter, Gauge, Histogram, type Registry as PromRegistry } from "prom-client";
import type { Wal, WalObserver } from "../../wal/index.ts";
import type { DecodeResult } from "../ingest/index.ts";

export class IngestMetrics {
  readonly rows: Counter<"label" | "result">;
  readonly rejectedBodies: Counter<"code">;
  readonly quarantined: Counter;
  readonly quarantineFailures: Counter;
  readonly fsyncDuration: Histogram;
  private readonly wals: Array<{ name: string; wal: Wal }> = [];

  constructor(registry: PromRegistry) {
    const registers = [registry];
    this.rows = new Counter({ name: "edgeflow_ingest_rows_total", help: "Rows received, by label (or vertex column) and result", labelNames: ["label", "result"], registers });
    this.rejectedBodies = new Counter({ name: "edgeflow_ingest_rejected_bodies_total", help: "Request bodies refused whole, by code", labelNames: ["code"], registers });
    this.quarantined = new Counter({ name: "edgeflow_quarantine_rows_total", help: "Refused rows written to the quarantine", registers });
    this.quarantineFailures = new Counter({ name: "edgeflow_quarantine_failures_total", help: "Refused rows the quarantine could not keep (its budget was full)", registers });
    this.fsyncDuration = new Histogram({
      name: "edgeflow_wal_fsync_duration_seconds",
      help: "fdatasync duration of WAL segments",
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1],
      registers,
    });
    const walGauge = (name: string, help: string, pick: (m: ReturnType<Wal["metrics"]>) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ["log"],
        registers,
        collect: () => {
          // A gauge set at scrape time reads the log's own numbers; nothing to keep in sync.
          for (const { name: log, wal } of this.wals) walGaugeSet(gauges.get(name), log, pick(wal.metrics()));
        },
      });
    const gauges = new Map<string, Gauge<"log">>();
    for (const [name, help, pick] of [
      ["edgeflow_wal_bytes", "Bytes of WAL segments on disk", (m) => m.diskBytes],
      ["edgeflow_wal_segments", "WAL segment files on disk", (m) => m.segmentCount],
      ["edgeflow_wal_queue_bytes", "Bytes waiting for the WAL writer", (m) => m.queueBytes],
      ["edgeflow_wal_queue_appends", "Appends waiting for the WAL writer", (m) => m.queueAppends],
      ["edgeflow_wal_last_seq", "Last sequence number written", (m) => m.lastSeq],
      ["edgeflow_wal_checkpoint_seq", "Sequence number the sink has committed", (m) => m.checkpointSeq],
      ["edgeflow_wal_failed", "1 when the log refuses writes after an I/O error", (m) => m.failed],
      ["edgeflow_wal_written_bytes_total", "Bytes written to the WAL", (m) => m.bytesWrittenTotal],
      ["edgeflow_wal_fsyncs_total", "fdatasync calls on the WAL", (m) => m.fsyncsTotal],
    ] as Array<[string, string, (m: ReturnType<Wal["metrics"]>) => number]>) {
      gauges.set(name, walGauge(name, help, pick));
    }
  }

  /** An observer to hand the WAL, so each fsync lands in the histogram. */
  walObserver(): WalObserver {
    return { fsync: (durationSeconds) => this.fsyncDuration.observe(durationSeconds) };
  }

  watchWal(name: string, wal: Wal): void {
    this.wals.push({ name, wal });
  }

  countRows(result: DecodeResult): void {
    // Counted per label in one pass, then one increment per (label, result).
    const counts = new Map<string, { accepted: number; rejected: number }>();
    for (const row of result.rows) {
      const m = row.ok ? row.mutation : undefined;
      const label = m ? (m.kind === "edge" ? m.label : `${m.service}.${m.column}`) : "unknown";
      let count = counts.get(label);
      if (count === undefined) counts.set(label, (count = { accepted: 0, rejected: 0 }));
      if (row.ok) count.accepted++;
      else count.rejected++;
    }
    for (const [label, count] of counts) {
      if (count.accepted > 0) this.rows.inc({ label, result: "accepted" }, count.accepted);
      if (count.rejected > 0) this.rows.inc({ label, result: "rejected" }, count.rejected);
    }
  }
}

function walGaugeSet(gauge: Gauge<"log"> | undefined, log: string, value: number): void {
  gauge?.set({ log }, value);
}
