/**
 * getEdges benchmark: S2Graph's published query shapes (1-step limit 100, 2-step 10×10, 3-step
 * 10×10×10) on a graph sized for this machine, in one process on the embedded engine (chDB),
 * with 4 concurrent callers from random sources for a fixed time per shape, the readers taking
 * turns in ten slices of that time; beside, in the same run:
 * - edgeflow: `parseGetEdges` + `executeGetEdges` with the `ClickHouseFetcher`, which is what
 *   `POST /graphs/getEdges` runs (body parsed from JSON text, answer stringified), minus the socket;
 *   reads that wait for the engine share statements (src/store/graph/read-batch.ts), as in the
 *   server; and, for the record, the same with every request reading alone;
 * - hand-written SQL on the same engine and tables (our overhead): `weak_edges_out FINAL`, one
 *   statement per step, `from_id IN (...)` and `LIMIT 10 BY from_id` past the first step, with
 *   each scanned vertex's degree as a window count (the query answers degrees: S2Graph's
 *   `returnDegree` defaults to true); and, for the record, the same without the degrees;
 * - PostgreSQL (a common alternative), when its server binaries are on the machine: an adjacency
 *   table with a btree index on (label, from_id, ts DESC), the same rows loaded with COPY, the
 *   same steps as one statement each (`unnest` + `LATERAL ... LIMIT n`) through Bun's built-in
 *   client (`Bun.SQL`, 4 pooled connections, prepared statements).
 * Once per shape, the (from, to) edge sets of edgeflow and of the hand-written SQL are compared
 * for one source. A profile pass (one caller) splits edgeflow's request time by statement kind.
 *
 *   node_modules/.bin/bun bench/get-edges.ts [--smoke]
 *
 * Goal (issue: getEdges): edgeflow/hand q/s >= 0.83 (overhead <= 20%); 1-step limit 100 p99 <= 20 ms.
 * Anchor (S2Graph, 10B edges, 20 HBase region servers, 1 server): 1-step 3,110 q/s at 6.25 ms;
 * 2-step 3,050 q/s at 6.4 ms; 3-step 325 q/s at 61 ms.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { SQL } from "bun";
import { seededRandom, type EdgeMutation, type LabelDef, type SchemaLookup } from "../src/lib/index.ts";
import { graphApiDefaults, requestFetcher } from "../src/server/graph-api/index.ts";
import { executeGetEdges, parseGetEdges } from "../src/server/query/index.ts";
import { createGraphStore, openStore, quoteString, type GraphStore, type Store } from "../src/store/index.ts";
import { freePorts } from "../test/support/clickhouse-server.ts";
import { waitFor } from "../test/support/wait.ts";
import { percentile } from "./stats.ts";

const callers = 4;
const tsBase = 1_700_000_000_000;
const label: LabelDef = {
  id: 1, label: "edge", serviceName: "bench", isDirected: true, consistencyLevel: "weak", indices: [], extraProps: "reject", createdAtMs: 0, version: 1,
  // As the registry makes a label of a name no deleted label had.
  formerIds: [],
  srcServiceName: "bench", srcColumnName: "user_id", srcColumnType: "long",
  tgtServiceName: "bench", tgtColumnName: "user_id", tgtColumnType: "long",
  props: [{ name: "w", dataType: "double", defaultValue: 0 }],
};
const lookup: SchemaLookup = {
  version: 1,
  service: (name) => (name === "bench" ? { id: 1, serviceName: "bench", accessTokenHash: "", createdAtMs: 0 } : undefined),
  column: (service, column) => (service === "bench" && column === "user_id" ? { serviceName: "bench", columnName: "user_id", columnType: "long", props: [] } : undefined),
  label: (name) => (name === "edge" ? label : undefined),
};

interface Shape {
  name: string;
  /** Edges per vertex at each step. */
  limits: number[];
}
const shapes: Shape[] = [
  { name: "1-step limit 100", limits: [100] },
  { name: "2-step 10x10", limits: [10, 10] },
  { name: "3-step 10x10x10", limits: [10, 10, 10] },
];
const s2graph: Record<string, { qps: number; ms: number }> = {
  "1-step limit 100": { qps: 3110, ms: 6.25 },
  "2-step 10x10": { qps: 3050, ms: 6.4 },
  "3-step 10x10x10": { qps: 325, ms: 61 },
};

/**
 * Source `i` (id i+1) has edges k = j*n + i for j < d: ingest order interleaves sources, as time
 * ordered events do. Timestamps are unique (tsBase + k), so "newest first" has no ties and every
 * reader must return the same edges. Targets are Zipf-ish (r^3 skew, as BENCH.md's workload).
 */
interface Graph {
  n: number;
  d: number;
  to: Int32Array;
  w: Float64Array;
}

function makeGraph(n: number, d: number): Graph {
  const random = seededRandom(42);
  const to = new Int32Array(n * d);
  const w = new Float64Array(n * d);
  for (let k = 0; k < n * d; k++) {
    to[k] = 1 + Math.floor(n * random() ** 3);
    w[k] = Math.round(random() * 1e6) / 1e6;
  }
  return { n, d, to, w };
}

function fromOf(g: Graph, k: number): number {
  return 1 + (k % g.n);
}

async function loadChdb(graph: GraphStore, g: Graph): Promise<number> {
  const batchRows = 100_000;
  const started = performance.now();
  for (let start = 0; start < g.n * g.d; start += batchRows) {
    const rows: Array<{ seq: number; mutation: EdgeMutation }> = [];
    for (let k = start; k < Math.min(start + batchRows, g.n * g.d); k++) {
      rows.push({ seq: k + 1, mutation: { kind: "edge", op: "insert", id: `e${k}`, ts: tsBase + k, service: "bench", label: "edge", from: fromOf(g, k), to: g.to[k] as number, props: { w: g.w[k] as number } } });
    }
    await graph.writeMutations(rows, `load-${start}`);
  }
  return (performance.now() - started) / 1000;
}

/** A reader of one shape from one source; returns the last step's (from, to) pairs. */
type Reader = (source: number, shape: Shape) => Promise<string[]>;

function getEdgesBody(source: number, shape: Shape): string {
  return JSON.stringify({
    srcVertices: [{ serviceName: "bench", columnName: "user_id", id: source }],
    steps: shape.limits.map((limit) => [{ label: "edge", direction: "out", limit }]),
  });
}

function edgeflowReader(graph: GraphStore): Reader {
  return async (source, shape) => {
    // What the route does, with its default limits: parse the body text, plan, execute with a fresh fetcher, stringify.
    const plan = parseGetEdges(JSON.parse(getEdgesBody(source, shape)), lookup, { nowMs: Date.now(), hardLimit: graphApiDefaults.hardLimit });
    const answer = await executeGetEdges(plan, requestFetcher(graph, Date.now));
    // The route answers text: the stringify belongs to the measured work (the length keeps it from being dropped).
    if (JSON.stringify(answer).length === 0) throw new Error("assertion: an answer is never empty text");
    // The pairs for the comparison come from the answer itself: parsing the text back is the client's work, not the server's.
    return (answer as { results: Array<{ from: unknown; to: unknown }> }).results.map((e) => `${e.from}>${e.to}`);
  };
}

/**
 * The query by hand. `degrees`: as the getEdges query answers them (S2Graph's `returnDegree`
 * defaults to true: every scanned vertex's edge count), with a window count in each step's
 * statement, as someone writing it for chDB's 26.x would; without, the edges alone.
 */
function handReader(store: Store, degrees: boolean): Reader {
  const degree = degrees ? ", count() OVER (PARTITION BY from_id) AS deg" : "";
  return async (source, shape) => {
    let frontier = [String(source)];
    let pairs: string[] = [];
    for (const limit of shape.limits) {
      if (frontier.length === 0) return [];
      const where = `label = 'edge' AND from_id ${frontier.length === 1 ? `= ${quoteString(frontier[0] as string)}` : `IN (${frontier.map(quoteString).join(", ")})`}`;
      const rows = await store.query<{ from_id: string; to_id: string }>(
        `SELECT from_id, to_id, ts, toFloat64OrZero(prop_values[indexOf(prop_keys, 'w')]) AS w${degree}
         FROM weak_edges_out FINAL WHERE ${where} ORDER BY from_id, neg_ts LIMIT ${limit} BY from_id`,
      );
      pairs = rows.map((r) => `${r.from_id}>${r.to_id}`);
      frontier = [...new Set(rows.map((r) => r.to_id))];
    }
    return pairs;
  };
}

interface RunFigures {
  queries: number;
  qps: number;
  p50Ms: number;
  p99Ms: number;
}

/** `callers` loops of `read` from random sources until `seconds` have passed. */
async function runFor(read: Reader, shape: Shape, n: number, seconds: number, seed: number, callerCount = callers): Promise<RunFigures> {
  const [figures] = await runInterleaved([read], shape, n, seconds, seed, callerCount, 1);
  return figures as RunFigures;
}

/**
 * Each reader for `seconds` in all, in `slices` turns taken one reader after the other
 * (A B C A B C ...): on a shared machine a slow minute then slows every reader alike, and the
 * ratios compare like with like.
 */
async function runInterleaved(
  reads: readonly Reader[], shape: Shape, n: number, seconds: number, seed: number, callerCount = callers, slices = 10,
): Promise<RunFigures[]> {
  const random = seededRandom(seed);
  const latencies = reads.map((): number[] => []);
  const elapsed = reads.map(() => 0);
  for (let slice = 0; slice < slices; slice++) {
    for (const [i, read] of reads.entries()) {
      const started = performance.now();
      const end = started + (seconds * 1000) / slices;
      await Promise.all(
        Array.from({ length: callerCount }, async () => {
          while (performance.now() < end) {
            const source = 1 + Math.floor(random() * n);
            const t0 = performance.now();
            await read(source, shape);
            latencies[i]?.push(performance.now() - t0);
          }
        }),
      );
      elapsed[i] = (elapsed[i] ?? 0) + (performance.now() - started) / 1000;
    }
  }
  return latencies.map((l, i) => {
    l.sort((a, b) => a - b);
    return { queries: l.length, qps: l.length / (elapsed[i] ?? 1), p50Ms: percentile(l, 50), p99Ms: percentile(l, 99) };
  });
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const sa = new Set(a);
  const sb = new Set(b);
  return sa.size === sb.size && [...sa].every((x) => sb.has(x));
}

/** The statement kinds a request ran, by the shape of their SQL text. */
function statementKind(sql: string): string {
  if (sql.startsWith("SELECT scope, vertex, max(okey)")) return "tombstones";
  if (sql.startsWith("SELECT _v, count() AS degree")) return "degrees";
  if (sql.startsWith("SELECT _v, _deg")) return "edges+degrees";
  if (sql.includes("OVER (PARTITION BY")) return "edges (scan)";
  if (sql.startsWith("SELECT _v,")) return "edges";
  return "other";
}

interface Tally {
  count: number;
  ms: number;
}

/** The store, with each `query` counted and timed by kind (for the one-caller profile pass). */
function tallied(store: Store, tally: Map<string, Tally>): Store {
  return {
    engine: store.engine,
    database: store.database,
    parallelism: store.parallelism,
    serverVersion: () => store.serverVersion(),
    serverInfo: () => store.serverInfo(),
    ping: () => store.ping(),
    exec: (sql) => store.exec(sql),
    insert: (request) => store.insert(request),
    pending: () => store.pending(),
    close: () => store.close(),
    query: async <T>(sql: string): Promise<T[]> => {
      const t0 = performance.now();
      try {
        return await store.query<T>(sql);
      } finally {
        const entry = tally.get(statementKind(sql)) ?? { count: 0, ms: 0 };
        entry.count += 1;
        entry.ms += performance.now() - t0;
        tally.set(statementKind(sql), entry);
      }
    },
  };
}

/** Mean ms a request with one caller (no queueing), over `requests` requests from random sources. */
async function oneCallerMs(read: Reader, shape: Shape, n: number, requests: number): Promise<number> {
  const random = seededRandom(7);
  const started = performance.now();
  for (let i = 0; i < requests; i++) await read(1 + Math.floor(random() * n), shape);
  return (performance.now() - started) / requests;
}

/** Where an edgeflow request's time goes with one caller, beside the hand-written SQL's. */
async function profile(readers: { edgeflow: Reader; hand: Reader }, tally: Map<string, Tally>, shape: Shape, n: number, requests: number): Promise<string> {
  const handMs = await oneCallerMs(readers.hand, shape, n, requests);
  tally.clear();
  const edgeflowMs = await oneCallerMs(readers.edgeflow, shape, n, requests);
  const parts = [...tally.entries()].map(([kind, t]) => `${kind} ${(t.count / requests).toFixed(1)}x ${(t.ms / requests).toFixed(2)} ms`);
  const sqlMs = [...tally.values()].reduce((acc, t) => acc + t.ms, 0) / requests;
  return `hand ${handMs.toFixed(2)} ms/request (${shape.limits.length} ${shape.limits.length === 1 ? "statement" : "statements"}); edgeflow ${edgeflowMs.toFixed(2)} ms/request = SQL ${sqlMs.toFixed(2)} ms (${parts.join(", ")}) + JS ${(edgeflowMs - sqlMs).toFixed(2)} ms`;
}

/** Waits until no merge runs in the database (so none competes with the timed reads); false after `timeoutMs`. */
function waitForMerges(store: Store, timeoutMs: number): Promise<boolean> {
  const idle = async () => {
    const [row] = await store.query<{ n: string }>(`SELECT count() AS n FROM system.merges WHERE database = ${quoteString(store.database)}`);
    return Number(row?.n ?? 0) === 0;
  };
  return waitFor(idle, "merges to finish", timeoutMs, 200).catch(() => false);
}


/** The newest PostgreSQL on the machine with both `postgres` and `initdb`, or undefined. */
function findPostgres(): string | undefined {
  const root = "/usr/lib/postgresql";
  if (!fs.existsSync(root)) return undefined;
  const versions = fs.readdirSync(root).sort((a, b) => Number(b) - Number(a));
  for (const version of versions) {
    const bin = path.join(root, version, "bin");
    if (fs.existsSync(path.join(bin, "postgres")) && fs.existsSync(path.join(bin, "initdb"))) return bin;
  }
  return undefined;
}

interface PgPeer {
  sql: SQL;
  version: string;
  loadSeconds: number;
  stop(): Promise<void>;
}

/** The command prefix that runs PostgreSQL: as `postgres` when we are root (it refuses root), killed with us. */
function pgPrefix(dir: string): string[] | string {
  const setpriv = ["/usr/bin/setpriv", "--pdeathsig", "KILL"];
  if (process.getuid?.() !== 0) return setpriv;
  const id = (flag: string) => Bun.spawnSync(["id", flag, "postgres"]).stdout.toString().trim();
  const uid = Number(id("-u"));
  const gid = Number(id("-g"));
  if (!Number.isInteger(uid) || uid <= 0 || !Number.isInteger(gid)) return "running as root and there is no postgres user to run the server as";
  fs.chownSync(dir, uid, gid);
  return [...setpriv, `--reuid=${uid}`, `--regid=${gid}`, "--init-groups"];
}

async function waitForPostgres(sql: SQL, proc: { exitCode: number | null }, timeoutMs: number): Promise<void> {
  const answers = async () => {
    if (proc.exitCode !== null) throw new Error(`postgres exited with ${proc.exitCode}`);
    return sql`SELECT 1`.then(() => true, () => false);
  };
  await waitFor(answers, "postgres to answer", timeoutMs, 50);
}

/** A temporary cluster on a free loopback port (fsync off: it is a read benchmark). */
async function startPostgres(bin: string, dir: string): Promise<{ sql: SQL; stop: () => Promise<void> } | string> {
  const prefix = pgPrefix(dir);
  if (typeof prefix === "string") return prefix;
  const data = path.join(dir, "data");
  const init = Bun.spawnSync([...prefix, path.join(bin, "initdb"), "-D", data, "-U", "bench", "--auth=trust", "-E", "UTF8", "--no-locale", "--no-sync"]);
  if (init.exitCode !== 0) return `initdb failed: ${init.stderr.toString().trim().split("\n").pop() ?? ""}`;
  const [port] = await freePorts(1);
  const settings = { listen_addresses: "127.0.0.1", unix_socket_directories: dir, fsync: "off", synchronous_commit: "off", full_page_writes: "off", shared_buffers: "512MB", max_wal_size: "4GB" };
  const args = Object.entries(settings).flatMap(([k, v]) => ["-c", `${k}=${v}`]);
  const proc = Bun.spawn([...prefix, path.join(bin, "postgres"), "-D", data, "-p", String(port), ...args], { stdout: "ignore", stderr: Bun.file(path.join(dir, "server.log")) });
  const sql = new SQL({ hostname: "127.0.0.1", port: port as number, username: "bench", database: "postgres", max: callers });
  const stop = async () => {
    await sql.close().catch(() => undefined);
    // setpriv execs the server in place: this pid is the postmaster's, and only it is signalled.
    proc.kill("SIGTERM");
    const timer = setTimeout(() => proc.kill("SIGKILL"), 10_000);
    await proc.exited;
    clearTimeout(timer);
  };
  try {
    await waitForPostgres(sql, proc, 15_000);
  } catch (error) {
    await stop();
    return `the server did not start: ${(error as Error).message}`;
  }
  return { sql, stop };
}

/** The same rows as the chDB load, with COPY from a file; the index is built after the copy. */
async function loadPostgres(sql: SQL, g: Graph, dir: string): Promise<number> {
  const file = path.join(dir, "edges.tsv");
  const fd = fs.openSync(file, "w");
  const chunkRows = 100_000;
  for (let start = 0; start < g.n * g.d; start += chunkRows) {
    const lines: string[] = [];
    for (let k = start; k < Math.min(start + chunkRows, g.n * g.d); k++) lines.push(`edge\t${fromOf(g, k)}\t${g.to[k]}\t${tsBase + k}\t${g.w[k]}\n`);
    fs.writeSync(fd, lines.join(""));
  }
  fs.closeSync(fd);
  fs.chmodSync(file, 0o644);
  const started = performance.now();
  await sql`CREATE TABLE edges (label text NOT NULL, from_id bigint NOT NULL, to_id bigint NOT NULL, ts bigint NOT NULL, w double precision NOT NULL)`;
  await sql.unsafe(`COPY edges (label, from_id, to_id, ts, w) FROM ${quoteString(file)}`);
  await sql`CREATE INDEX edges_out ON edges (label, from_id, ts DESC)`;
  await sql`VACUUM ANALYZE edges`;
  const seconds = (performance.now() - started) / 1000;
  fs.rmSync(file);
  return seconds;
}

function pgReader(sql: SQL): Reader {
  return async (source, shape) => {
    let frontier = [String(source)];
    let pairs: string[] = [];
    for (const limit of shape.limits) {
      if (frontier.length === 0) return [];
      const rows: Array<{ from_id: string | number | bigint; to_id: string | number | bigint }> = frontier.length === 1
        ? await sql`SELECT from_id, to_id, ts, w FROM edges WHERE label = 'edge' AND from_id = ${frontier[0]}::bigint ORDER BY ts DESC LIMIT ${limit}::int`
        : await sql`SELECT e.from_id, e.to_id, e.ts, e.w FROM unnest(${`{${frontier.join(",")}}`}::bigint[]) AS f(id)
            CROSS JOIN LATERAL (SELECT from_id, to_id, ts, w FROM edges WHERE label = 'edge' AND from_id = f.id ORDER BY ts DESC LIMIT ${limit}::int) AS e`;
      pairs = rows.map((r) => `${r.from_id}>${r.to_id}`);
      frontier = [...new Set(rows.map((r) => String(r.to_id)))];
    }
    return pairs;
  };
}

async function openPgPeer(g: Graph, log: (line: string) => void): Promise<(PgPeer & { dir: string }) | undefined> {
  const bin = findPostgres();
  if (bin === undefined) {
    log("  PostgreSQL peer not measured: no /usr/lib/postgresql/*/bin with postgres and initdb on this machine");
    return undefined;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "edgeflow-bench-pg-"));
  const started = await startPostgres(bin, dir);
  if (typeof started === "string") {
    log(`  PostgreSQL peer not measured: ${started}`);
    fs.rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
  const loadSeconds = await loadPostgres(started.sql, g, dir);
  const [row] = (await started.sql`SHOW server_version`) as Array<{ server_version: string }>;
  return { ...started, dir, loadSeconds, version: row?.server_version ?? "?" };
}

const fmt = (n: number, digits = 0) => n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** A ratio with three significant digits, so a small one does not print as 0.00. */
const ratioText = (x: number) => (x >= 1 ? x.toFixed(2) : x.toPrecision(3));

function runLine(name: string, r: RunFigures, base?: RunFigures): string {
  const ratio = base === undefined ? "" : `   q/s ${name}/hand ${ratioText(r.qps / base.qps)}`;
  return `    ${name.padEnd(16)} ${fmt(r.qps).padStart(7)} q/s   p50 ${fmt(r.p50Ms, 2).padStart(7)} ms   p99 ${fmt(r.p99Ms, 2).padStart(7)} ms   (${fmt(r.queries)} queries)${ratio}`;
}

interface ShapeFigures {
  edgeflow: RunFigures;
  hand: RunFigures;
  handEdgesOnly: RunFigures;
  edgeflowAlone: RunFigures;
  pg: RunFigures | null;
  same: boolean;
}

async function benchShape(
  shape: Shape, g: Graph, seconds: number, readers: { edgeflow: Reader; edgeflowAlone: Reader; hand: Reader; handEdgesOnly: Reader; pg: Reader | null }, log: (line: string) => void,
): Promise<ShapeFigures> {
  const random = seededRandom(11);
  for (let i = 0; i < 10; i++) {
    const source = 1 + Math.floor(random() * g.n);
    await readers.edgeflow(source, shape);
    await readers.hand(source, shape);
    if (readers.pg) await readers.pg(source, shape);
  }
  const source = 1 + Math.floor(random() * g.n);
  const [e, h] = [await readers.edgeflow(source, shape), await readers.hand(source, shape)];
  const same = sameSet(e, h);
  const pgSame = readers.pg ? sameSet(await readers.pg(source, shape), h) : null;
  const anchor = s2graph[shape.name];
  log(`  ${shape.name}: same (from, to) edges for source ${source}: ${same ? "yes" : "NO"} (${new Set(e).size} edgeflow, ${new Set(h).size} hand${pgSame === null ? "" : `; PostgreSQL ${pgSame ? "same" : "DIFFERENT"}`})` +
    (anchor ? `   [S2Graph: ${fmt(anchor.qps)} q/s at ${anchor.ms} ms]` : ""));
  const [edgeflow, hand, handEdgesOnly, edgeflowAlone] = (await runInterleaved(
    [readers.edgeflow, readers.hand, readers.handEdgesOnly, readers.edgeflowAlone], shape, g.n, seconds, 1,
  )) as [RunFigures, RunFigures, RunFigures, RunFigures];
  const pg = readers.pg ? await runFor(readers.pg, shape, g.n, seconds, 1) : null;
  log(runLine("hand SQL", hand) + "   (edges and degrees: the query's answer)");
  log(runLine("hand, edges only", handEdgesOnly) + `   (no degrees; edgeflow/this ${ratioText(edgeflow.qps / handEdgesOnly.qps)})`);
  log(runLine("edgeflow", edgeflow, hand) + " (goal >= 0.83)" + (shape.limits.length === 1 ? `; p99 goal <= 20 ms` : ""));
  log(runLine("edgeflow, alone", edgeflowAlone, hand) + " (every request its own statements: no shared reads)");
  if (pg) log(runLine("PostgreSQL", pg, hand) + `; edgeflow/PostgreSQL ${ratioText(edgeflow.qps / pg.qps)}`);
  return { edgeflow, hand, handEdgesOnly, edgeflowAlone, pg, same };
}

export async function main(opts: { smoke?: boolean; log?: (line: string) => void } = {}): Promise<Record<string, number | boolean | null>> {
  const log = opts.log ?? console.log;
  const smoke = opts.smoke ?? false;
  const [n, d] = smoke ? [500, 20] : [20_000, 100];
  const seconds = smoke ? 1 : 10;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "edgeflow-bench-get-edges-"));
  const store = await openStore({ engine: "chdb", dataDir: dir, database: "bench_get_edges" });
  let pg: (PgPeer & { dir: string }) | undefined;
  try {
    const tally = new Map<string, Tally>();
    const graph = createGraphStore(store, { schema: { label: lookup.label } });
    await graph.ensureSchema();
    // The same store, counted and timed per statement: used only by the one-caller profile pass.
    const profiled = createGraphStore(tallied(store, tally), { schema: { label: lookup.label } });
    await profiled.ensureSchema();
    const g = makeGraph(n, d);
    const loadSeconds = await loadChdb(graph, g);
    // Settle the read table into one part, so no merge runs under the timed reads of either reader.
    const t0 = performance.now();
    await store.exec("OPTIMIZE TABLE weak_edges_out FINAL");
    const optimizeSeconds = (performance.now() - t0) / 1000;
    const settled = await waitForMerges(store, 60_000);
    const settleSeconds = (performance.now() - t0) / 1000 - optimizeSeconds;
    log(`get-edges: ${fmt(n)} sources x ${fmt(d)} edges = ${fmt(n * d)} edges (weak label, targets r^3-skewed), ${callers} callers, ${seconds} s a run, embedded engine (chDB ${await store.serverVersion()})`);
    log(`  load: chDB graph insert ${loadSeconds.toFixed(2)} s (${fmt((n * d) / loadSeconds)} edges/s), OPTIMIZE weak_edges_out FINAL ${optimizeSeconds.toFixed(2)} s, ${settled ? "background merges done" : "merges still running"} after ${settleSeconds.toFixed(2)} s more`);
    pg = await openPgPeer(g, log);
    if (pg) log(`  PostgreSQL ${pg.version}: COPY + index + VACUUM ANALYZE ${pg.loadSeconds.toFixed(2)} s; Bun.SQL, ${callers} connections (chDB runs one statement per session, on ${os.availableParallelism()} cores; PostgreSQL one per connection)`);
    // The same engine with reads never shared: what one statement per request costs.
    const alone = createGraphStore(store, { schema: { label: lookup.label }, readsInFlightMax: Number.MAX_SAFE_INTEGER });
    const readers = {
      edgeflow: edgeflowReader(graph), edgeflowAlone: edgeflowReader(alone), hand: handReader(store, true), handEdgesOnly: handReader(store, false), pg: pg ? pgReader(pg.sql) : null,
    };
    const figures: Record<string, number | boolean | null> = { edges: n * d, loadSeconds };
    for (const shape of shapes) {
      const f = await benchShape(shape, g, seconds, readers, log);
      log(`    1 caller: ${await profile({ edgeflow: edgeflowReader(profiled), hand: readers.hand }, tally, shape, g.n, smoke ? 10 : 50)}`);
      if (shape.limits.length === 1) {
        // The latency goal without queueing: one caller at a time, as long as a run.
        const [one, oneHand] = (await runInterleaved([readers.edgeflow, readers.hand], shape, g.n, seconds, 3, 1)) as [RunFigures, RunFigures];
        log(`    1 caller for ${seconds} s: edgeflow p50 ${one.p50Ms.toFixed(2)} ms p99 ${one.p99Ms.toFixed(2)} ms (${fmt(one.qps)} q/s); hand p50 ${oneHand.p50Ms.toFixed(2)} ms p99 ${oneHand.p99Ms.toFixed(2)} ms (${fmt(oneHand.qps)} q/s)`);
        Object.assign(figures, { oneCallerP99Ms: one.p99Ms, oneCallerHandP99Ms: oneHand.p99Ms });
      }
      const key = shape.limits.join("x");
      Object.assign(figures, {
        [`${key}.edgeflowQps`]: f.edgeflow.qps, [`${key}.edgeflowP50Ms`]: f.edgeflow.p50Ms, [`${key}.edgeflowP99Ms`]: f.edgeflow.p99Ms,
        [`${key}.handQps`]: f.hand.qps, [`${key}.handP50Ms`]: f.hand.p50Ms, [`${key}.handP99Ms`]: f.hand.p99Ms,
        [`${key}.handEdgesOnlyQps`]: f.handEdgesOnly.qps, [`${key}.ratioEdgesOnly`]: f.edgeflow.qps / f.handEdgesOnly.qps,
        [`${key}.edgeflowAloneQps`]: f.edgeflowAlone.qps, [`${key}.ratioAlone`]: f.edgeflowAlone.qps / f.hand.qps,
        [`${key}.pgQps`]: f.pg?.qps ?? null, [`${key}.pgP99Ms`]: f.pg?.p99Ms ?? null,
        [`${key}.ratio`]: f.edgeflow.qps / f.hand.qps, [`${key}.same`]: f.same,
      });
    }
    return figures;
  } finally {
    if (pg) {
      await pg.stop();
      fs.rmSync(pg.dir, { recursive: true, force: true });
    }
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) await main({ smoke: process.argv.includes("--smoke") });
