/**
 * edgeflow's server: the HTTP front end of the pipeline, and the owner of its parts.
 *
 * Data flows one way (see ARCHITECTURE.md): HTTP → validation → WAL → join → sink →
 * ClickHouse → graph queries. This module opens the parts under the data dir (the schema
 * registry in LMDB, the store), builds the hono app on top of them, and runs it on Bun.serve.
 * Only this module turns error kinds into HTTP statuses (`http/`), and only it knows about
 * every other module: `wal`, `join` and `store` never import each other or the server.
 *
 * The join with side data runs after the WAL, in the sink: the WAL keeps the raw, validated
 * input as the source of truth, so a replay after a side-data fix re-joins correctly.
 *
 * Lifecycle: `openEdgeflow` opens everything and is what tests use in-process
 * (`edgeflow.app.request(...)`); `startServer` adds Bun.serve and graceful shutdown: stop
 * accepting, finish in-flight requests, flush, close LMDB and the store.
 */
import { Hono } from "hono";
import pino, { type Logger } from "pino";
import { EdgeflowError } from "../lib/index.ts";
import { mountAdmin } from "./admin/index.ts";
import { Authenticator, setUpAdminToken } from "./auth/index.ts";
import type { Config } from "./config/index.ts";
import { handleError, requestContext, type AppEnv } from "./http/index.ts";
import { Metrics } from "./metrics/index.ts";
import { Contract, docsPage, z } from "./openapi/index.ts";
import { Registry } from "./registry/index.ts";
import { openStore, type Store } from "../store/index.ts";
import { IngestLog, IngestMetrics, mountMutations } from "./mutate/index.ts";
import { mountGraphApi } from "./graph-api/index.ts";
import { Pipeline } from "./pipeline.ts";
import type { SinkOptions } from "./sink/index.ts";
import { Quotas } from "./quota/index.ts";
import type { FileLayer } from "../wal/index.ts";
import packageJson from "../../package.json" with { type: "json" };

export const version: string = packageJson.version;

export interface Deps {
  logger?: Logger;
  now?: () => number;
  /** Skip prom-client's process metrics (tests that open many servers in one process). */
  defaultMetrics?: boolean;
  /**
   * Where the embedded engine keeps its files; default the data dir. chDB allows one data
   * directory a process, so tests that open several servers in one process share one.
   */
  chdbDataDir?: string;
  /** The WAL's file layer; tests pass one that fails on purpose. */
  walFileLayer?: FileLayer;
  /** Sink batching and retry settings (tests shorten them). */
  sinkOptions?: Partial<SinkOptions>;
}

export interface Edgeflow {
  app: Hono<AppEnv>;
  registry: Registry;
  ingestLog: IngestLog;
  pipeline: Pipeline;
  store: Store;
  metrics: Metrics;
  contract: Contract;
  log: Logger;
  /** Set when the admin token was generated on this start; printed once by the CLI. */
  generatedAdminToken: string | undefined;
  readiness(): Promise<Readiness>;
  close(): Promise<void>;
}

export interface Readiness {
  ready: boolean;
  checks: Record<string, { ready: boolean; reason?: string }>;
}

/** Log bytes that may wait for a slow stdout before lines are dropped. */
const logBufferBytesMax = 16 * 1024 * 1024;

/**
 * NDJSON logs on stdout, written asynchronously: a synchronous write blocks the event loop
 * whenever the pipe behind stdout is full (a slow log shipper, a busy parent), and under ingest
 * load that held requests for ~30 ms a write (bench/e2e.ts's CPU profile: 16% of the wall
 * time in `writeSync`). A line goes out at once when no write is pending, else with the next
 * write; `flushLogger` writes what is left before the process exits (pino also flushes on
 * exit). Behind a pipe that never drains, at most `logBufferBytesMax` wait; past it lines are
 * dropped rather than memory growing without bound.
 */
export function createLogger(level: string): Logger {
  return pino({ level, base: { app: "edgeflow" }, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination({ dest: 1, sync: false, maxLength: logBufferBytesMax }));
}

/** Writes out what the logger still buffers; call before `process.exit`. */
export function flushLogger(log: Logger): Promise<void> {
  return new Promise((resolve) => {
    log.flush(() => resolve());
  });
}

export async function openEdgeflow(config: Config, deps: Deps = {}): Promise<Edgeflow> {
  const log = deps.logger ?? createLogger(config.logLevel);
  const metrics = new Metrics({ defaultMetrics: deps.defaultMetrics ?? true });
  const now = deps.now ?? Date.now;
  const registry = Registry.open(config.dataDir, { now });
  let store: Store | undefined;
  let ingestLog: IngestLog | undefined;
  try {
    const ingestMetrics = new IngestMetrics(metrics.registry);
    ingestLog = await IngestLog.open({
      dataDir: config.walDir ?? config.dataDir,
      repair: config.walRepair,
      segmentBytesMax: config.walSegmentBytes,
      diskBytesMax: config.walDiskBytesMax,
      groupCommitWindowMs: config.groupCommitWindowMs,
      logger: log.child({ module: "wal" }),
      observer: ingestMetrics.walObserver(),
      ...(deps.walFileLayer ? { fs: deps.walFileLayer } : {}),
    });
    ingestMetrics.watchWal("mutations", ingestLog.mutations);
    ingestMetrics.watchWal("quarantine", ingestLog.quarantine);
    const admin = await setUpAdminToken(registry, config.adminToken);
    store = await openStore(
      config.clickhouseUrl
        ? { engine: "clickhouse", url: config.clickhouseUrl, database: config.clickhouseDatabase, ...(config.clickhouseUser ? { username: config.clickhouseUser } : {}), ...(config.clickhousePassword ? { password: config.clickhousePassword } : {}) }
        : { engine: "chdb", dataDir: deps.chdbDataDir ?? config.dataDir, database: config.clickhouseDatabase, ...(config.chdbSessions === undefined ? {} : { sessions: config.chdbSessions }) },
      { logger: log },
    );
    const contract = new Contract();
    const auth = new Authenticator(registry, admin.adminTokenHash);
    const openedStore = store;
    const openedLog = ingestLog;
    const pipeline = new Pipeline({ store, registry, ingestLog, log, prometheus: metrics.registry, now, ...(deps.sinkOptions ? { sinkOptions: deps.sinkOptions } : {}) });
    const readiness = async (): Promise<Readiness> => {
      const health = await openedStore.ping();
      const wal = openedLog.mutations.health();
      const sink = pipeline.health();
      const checks: Readiness["checks"] = {
        registry: { ready: true },
        wal: wal.writable ? { ready: true } : { ready: false, reason: `${wal.state}: ${wal.reason ?? ""}` },
        store: health.ready ? { ready: true } : { ready: false, reason: health.reason ?? "not ready" },
        sink: sink.state === "ok" ? { ready: true } : { ready: false, reason: `${sink.state}: ${sink.reason ?? ""}; ${sink.backlogRows} rows waiting in the WAL` },
      };
      const ready = Object.values(checks).every((c) => c.ready);
      metrics.ready.set(ready ? 1 : 0);
      return { ready, checks };
    };
    const app = buildApp({ log, metrics, contract, auth, registry, readiness, stats: () => pipeline.stats() });
    mountMutations(app, contract, {
      registry,
      log: openedLog,
      quotas: new Quotas({ rowsPerSecond: config.serviceRowsPerSecond, requestsPerSecond: config.serviceRequestsPerSecond }, now),
      metrics: ingestMetrics,
      config,
      now,
    });
    mountGraphApi(app, contract, { registry, graph: pipeline.graph, now });
    pipeline.start();
    return {
      app,
      registry,
      ingestLog: openedLog,
      pipeline,
      store,
      metrics,
      contract,
      log,
      generatedAdminToken: admin.generatedToken,
      readiness,
      async close() {
        await pipeline.stop();
        await openedLog.close();
        await openedStore.close();
        await registry.close();
      },
    };
  } catch (error) {
    await ingestLog?.close();
    await store?.close();
    await registry.close();
    throw error;
  }
}

interface AppParts {
  log: Logger;
  metrics: Metrics;
  contract: Contract;
  auth: Authenticator;
  registry: Registry;
  readiness: () => Promise<Readiness>;
  stats: () => Record<string, unknown>;
}

function buildApp(parts: AppParts): Hono<AppEnv> {
  const { log, metrics, contract, auth, registry } = parts;
  const app = new Hono<AppEnv>();
  app.onError(handleError);
  app.notFound((c) => c.json({ code: "no_such_route", message: `no route for ${c.req.method} ${c.req.path}`, requestId: c.get("requestId") }, 404));
  app.use("*", requestContext(log, metrics));
  for (const prefix of ["/graphs/*", "/admin/*", "/mutate/*", "/v1/*", "/metrics"]) {
    app.use(prefix, async (c, next) => {
      c.set("principal", auth.authenticate(c.req.header("authorization")));
      await next();
    });
  }

  app.get("/healthz", (c) => c.json({ status: "ok", version }));
  contract.add({ method: "get", path: "/healthz", summary: "Liveness: the process answers", tag: "operations", auth: "public", response: z.object({ status: z.literal("ok"), version: z.string() }) });

  app.get("/readyz", async (c) => {
    const r = await parts.readiness();
    return c.json({ status: r.ready ? "ready" : "degraded", checks: r.checks }, r.ready ? 200 : 503);
  });
  contract.add({ method: "get", path: "/readyz", summary: "Readiness: the WAL and the store are ready (503 with reasons when degraded)", tag: "operations", auth: "public" });

  app.get("/metrics", async (c) => {
    if (c.get("principal").kind !== "admin") throw new EdgeflowError("forbidden", "admin_only", "metrics need the admin token");
    return c.body(await metrics.registry.metrics(), 200, { "Content-Type": metrics.registry.contentType });
  });
  contract.add({ method: "get", path: "/metrics", summary: "Prometheus metrics", tag: "operations", auth: "admin", response: z.string(), responseContentType: "text/plain" });

  app.get("/v1/stats", (c) => c.json(parts.stats()));
  contract.add({ method: "get", path: "/v1/stats", summary: "Pipeline figures: freshness (ack to queryable) p50/p99, sink backlog, WAL positions", tag: "operations", auth: "service" });

  mountAdmin(app, contract, { registry });

  app.get("/openapi.json", (c) => c.json(contract.document(version) as Record<string, unknown>));
  contract.add({ method: "get", path: "/openapi.json", summary: "This OpenAPI document", tag: "operations", auth: "public" });
  app.get("/docs", (c) => c.html(docsPage));
  contract.add({ method: "get", path: "/docs", summary: "The API reference, rendered for people", tag: "operations", auth: "public", response: z.string(), responseContentType: "text/html" });
  return app;
}

export interface RunningServer {
  edgeflow: Edgeflow;
  port: number;
  url: string;
  /** Stops accepting, waits for in-flight requests (up to the shutdown timeout), then closes everything. */
  stop(): Promise<void>;
}

export async function startServer(config: Config, deps: Deps = {}): Promise<RunningServer> {
  const edgeflow = await openEdgeflow(config, deps);
  const server = Bun.serve({
    hostname: config.host,
    port: config.port,
    maxRequestBodySize: config.bodyBytesMax,
    idleTimeout: 120,
    fetch: (request) => edgeflow.app.fetch(request),
  });
  const port = server.port ?? config.port;
  const url = `http://${config.host === "0.0.0.0" ? "127.0.0.1" : config.host}:${port}`;
  // Said at any log level: operators and scripts find the port (with --port 0) in this line.
  edgeflow.log.child({}, { level: "info" }).info({ port, host: config.host, dataDir: config.dataDir, engine: edgeflow.store.engine, version }, "listening");
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      edgeflow.log.info("shutting down: no new connections, finishing in-flight requests");
      const drained = server.stop(false);
      const timedOut = await Promise.race([
        drained.then(() => false),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(true), config.shutdownTimeoutMs).unref()),
      ]);
      if (timedOut) {
        edgeflow.log.warn({ timeoutMs: config.shutdownTimeoutMs }, "in-flight requests did not finish in time; closing them");
        await server.stop(true);
      }
      await edgeflow.close();
      edgeflow.log.info("stopped");
    })();
    return stopping;
  };
  return { edgeflow, port, url, stop };
}
