/**
 * Prometheus metrics, one registry per server instance (tests run several in one process).
 * Names follow `edgeflow_<thing>_<unit>[_total]`.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export class Metrics {
  readonly registry = new Registry();
  readonly httpRequests = new Counter({
    name: "edgeflow_http_requests_total",
    help: "HTTP requests answered, by method, route and status",
    labelNames: ["method", "route", "status"] as const,
    registers: [this.registry],
  });
  readonly httpDuration = new Histogram({
    name: "edgeflow_http_request_duration_seconds",
    help: "Time to answer an HTTP request",
    labelNames: ["method", "route"] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [this.registry],
  });
  readonly ready = new Gauge({
    name: "edgeflow_ready",
    help: "1 when the WAL and the store are ready",
    registers: [this.registry],
  });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics === false) return;
    collectDefaultMetrics({ register: this.registry, prefix: defaultMetricsPrefix });
    // Their collector calls `v8.getHeapSpaceStatistics()`, which in Bun walks the heap: ~160 ms
    // on the event loop with 2M live objects, so every scrape stalled ingest that long (a CPU
    // profile of bench/ingest-http.ts's server caught it). The process's heap and RSS are still
    // reported, by the other default metrics, from `process.memoryUsage()`.
    for (const name of heapSpaceMetricNames) this.registry.removeSingleMetric(`${defaultMetricsPrefix}${name}`);
  }
}

const defaultMetricsPrefix = "edgeflow_process_";
/** prom-client's per-heap-space gauges (`heapSpacesSizeAndUsed.js`). */
export const heapSpaceMetricNames = ["nodejs_heap_space_size_total_bytes", "nodejs_heap_space_size_used_bytes", "nodejs_heap_space_size_available_bytes"];
