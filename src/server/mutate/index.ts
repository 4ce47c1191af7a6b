/**
 * Every mutation endpoint: S2Graph's edge and vertex paths (Play and akka-http families) and
 * edgeflow's native high-volume `POST /v1/mutate`.
 *
 * A request goes: body (stream, limits, gunzip) → decode and validate per row → tenant check
 * (a service token may touch only its own service's labels and vertices: 403 for the whole
 * request otherwise, before anything is written) → quota → refused rows to the quarantine log
 * and accepted ones to the WAL, at once → answer when its wait mode is satisfied (see `log.ts`).
 *
 * Answers:
 * - S2Graph paths answer, as S2Graph does, a JSON array of booleans, one per element in order
 *   (an element that fans out to several edges is true iff all of them were accepted). When an
 *   element is refused, the `X-Edgeflow-Errors` header carries the first errors as JSON, and
 *   `?detail=true` turns the body into `{"results": [...], "errors": [...]}`.
 * - `/v1/mutate` answers `{"accepted", "rejected", "errors": [{line, code, message}]}` (the
 *   first errors, lines from 1): 202 for `wait=async`, 200 for `durable` (the default) and
 *   `visible`.
 * Plain S2Graph calls are asynchronous, as S2Graph answers at once; `...WithWait` calls,
 * `deleteAll` and the akka-http `/mutate/*` paths answer once the rows are visible.
 */
import type { Context, Hono } from "hono";
import type { Logger } from "pino";
import { EdgeflowError, type EdgeOp, type VertexOp } from "../../lib/index.ts";
import { requireService } from "../auth/index.ts";
import type { Config } from "../config/index.ts";
import type { AppEnv } from "../http/index.ts";
import {
  decodeEdgeJson,
  decodeNative,
  decodeTsv,
  decodeVertexJson,
  nativeFormatOf,
  quarantineRecord,
  quarantineRecords,
  readBody,
  type DecodeOptions,
  type DecodeResult,
  type RejectedRow,
} from "../ingest/index.ts";
import { z, type Contract } from "../openapi/index.ts";
import type { Quotas } from "../quota/index.ts";
import type { Registry } from "../registry/index.ts";
import type { IngestLog, WaitMode } from "./log.ts";
import type { IngestMetrics } from "./metrics.ts";

export { IngestLog, visibleWaitMsMax, type WaitMode, type Visibility } from "./log.ts";
export { IngestMetrics } from "./metrics.ts";

export interface MutateDeps {
  registry: Registry;
  log: IngestLog;
  quotas: Quotas;
  metrics: IngestMetrics;
  config: Pick<Config, "bodyBytesMax" | "bodyInflatedBytesMax" | "requestRowsMax">;
  now: () => number;
}

/** Errors listed in an answer; the rest are counted, and all of them are in the quarantine. */
export const answerErrorsMax = 100;

type Decode = (body: Uint8Array, opts: DecodeOptions, c: Context<AppEnv>) => DecodeResult;

interface IngestPlan {
  decode: Decode;
  wait: (c: Context<AppEnv>) => WaitMode;
  answer: "s2graph" | "native";
}

function errorsOf(result: DecodeResult): Array<{ index: number; line?: number; code: string; message: string }> {
  const errors: Array<{ index: number; line?: number; code: string; message: string }> = [];
  for (const row of result.rows) {
    if (row.ok) continue;
    const r = row as RejectedRow;
    errors.push({ index: r.index, ...(r.line !== undefined ? { line: r.line } : {}), code: r.code, message: r.message });
    if (errors.length >= answerErrorsMax) break;
  }
  return errors;
}

async function ingest(c: Context<AppEnv>, deps: MutateDeps, plan: IngestPlan): Promise<Response> {
  const receivedAtMs = deps.now();
  const body = await readBody(c.req.raw, { wireBytesMax: deps.config.bodyBytesMax, decodedBytesMax: deps.config.bodyInflatedBytesMax });
  const wait = plan.wait(c);
  let result: DecodeResult;
  try {
    result = plan.decode(body, { lookup: deps.registry, receivedAtMs, rowsMax: deps.config.requestRowsMax }, c);
  } catch (error) {
    // A body refused whole (not a JSON array, too deep) still goes to the quarantine.
    if (error instanceof EdgeflowError && error.kind === "invalid") {
      await keepQuarantined(deps, c.get("log"), [quarantineRecord(Buffer.from(body).toString("utf8"), error.code, error.message, {}, { receivedAtMs })]);
      deps.metrics.rejectedBodies.inc({ code: error.code });
    }
    throw error;
  }
  const principal = c.get("principal");
  for (const service of result.services) requireService(principal, service);
  if (principal.kind === "service") {
    const decision = deps.quotas.admit(principal.service.serviceName, result.acceptedCount);
    for (const [k, v] of Object.entries(decision.headers)) c.header(k, v);
  }
  deps.metrics.countRows(result);
  // The two logs are independent, so the good rows do not wait for the refused ones' commit
  // (keepQuarantined never throws).
  await Promise.all([keepQuarantined(deps, c.get("log"), quarantineRecords(result, { receivedAtMs })), deps.log.write(result.records, wait)]);
  return answer(c, plan, result, wait);
}

async function keepQuarantined(deps: MutateDeps, log: Logger, records: Parameters<IngestLog["writeQuarantine"]>[0]): Promise<void> {
  if (records.length === 0) return;
  try {
    await deps.log.writeQuarantine(records);
    deps.metrics.quarantined.inc(records.length);
  } catch (error) {
    // The request's good rows must not fail because the quarantine is full; count and log the loss.
    deps.metrics.quarantineFailures.inc(records.length);
    log.error({ err: error, count: records.length }, "could not write refused rows to the quarantine");
  }
}

function answer(c: Context<AppEnv>, plan: IngestPlan, result: DecodeResult, wait: WaitMode): Response {
  const errors = errorsOf(result);
  if (plan.answer === "native") {
    return c.json({ accepted: result.acceptedCount, rejected: result.rejectedCount, errors }, wait === "async" ? 202 : 200);
  }
  if (errors.length > 0) c.header("X-Edgeflow-Errors", JSON.stringify(errors.slice(0, 20)));
  if (c.req.query("detail") === "true") return c.json({ results: result.elementOk, errors });
  return c.json(result.elementOk);
}

const waitModes = new Set<WaitMode>(["async", "durable", "visible"]);

function nativeWait(c: Context<AppEnv>): WaitMode {
  const wait = c.req.query("wait") ?? "durable";
  if (!waitModes.has(wait as WaitMode)) {
    throw new EdgeflowError("invalid", "invalid_wait", `wait must be async, durable or visible, got ${JSON.stringify(wait)}`);
  }
  return wait as WaitMode;
}

const BooleansSchema = z.array(z.boolean()).openapi({ description: "one boolean per element, in order", example: [true, true, false] });
const NativeAnswerSchema = z
  .object({
    accepted: z.number(),
    rejected: z.number(),
    errors: z.array(z.object({ line: z.number().optional(), index: z.number(), code: z.string(), message: z.string() })),
  })
  .openapi("MutateAnswer");
const EdgeSchema = z
  .object({
    timestamp: z.number().openapi({ example: 1700000000000 }),
    from: z.union([z.string(), z.number()]).optional(),
    froms: z.array(z.union([z.string(), z.number()])).optional(),
    to: z.union([z.string(), z.number()]).optional(),
    tos: z.array(z.union([z.string(), z.number()])).optional(),
    label: z.string(),
    direction: z.enum(["out", "in"]).optional(),
    props: z.record(z.string(), z.unknown()).optional(),
  })
  .openapi("Edge");
const VertexSchema = z
  .object({
    timestamp: z.number().optional(),
    serviceName: z.string().optional(),
    columnName: z.string().optional(),
    id: z.union([z.string(), z.number()]).optional(),
    ids: z.array(z.union([z.string(), z.number()])).optional(),
    props: z.record(z.string(), z.unknown()).optional(),
  })
  .openapi("Vertex");

export function mountMutations(app: Hono<AppEnv>, contract: Contract, deps: MutateDeps): void {
  const route = (path: string, summary: string, tag: string, plan: IngestPlan, docBody: { schema: z.ZodType; type?: string }, query?: z.ZodObject) => {
    app.post(path, (c) => ingest(c, deps, plan));
    contract.add({
      method: "post",
      path,
      summary,
      tag,
      auth: "service",
      body: docBody.schema,
      ...(docBody.type ? { bodyContentType: docBody.type } : {}),
      ...(query ? { query } : {}),
      response: plan.answer === "native" ? NativeAnswerSchema : BooleansSchema,
    });
  };
  const fixed = (wait: WaitMode) => () => wait;
  const edges = z.array(EdgeSchema);
  const vertices = z.array(VertexSchema);
  const tsv = { schema: z.string().openapi({ example: "1700000000000\tinsert\te\t1\t2\tfriends\t{\"weight\":0.9}" }), type: "text/tab-separated-values" };

  const edgeOpsByPath: Array<[string, EdgeOp, WaitMode]> = [
    ["insert", "insert", "async"], ["insertWithWait", "insert", "visible"], ["insertBulk", "insertBulk", "async"],
    ["delete", "delete", "async"], ["deleteWithWait", "delete", "visible"],
    ["update", "update", "async"], ["updateWithWait", "update", "visible"],
    ["increment", "increment", "async"], ["incrementWithWait", "increment", "visible"],
    ["deleteAll", "deleteAll", "visible"], ["deleteAllWithOutWait", "deleteAll", "async"],
  ];
  for (const [name, op, wait] of edgeOpsByPath) {
    route(`/graphs/edges/${name}`, `Edges: ${op} (${wait === "async" ? "answers at once" : "answers once visible"})`, "mutations (S2Graph)", { decode: (b, o) => decodeEdgeJson(b, { ...o, op }), wait: fixed(wait), answer: "s2graph" }, { schema: edges });
  }
  route("/graphs/edges/bulk", "Edges and vertices as S2Graph TSV lines (answers at once)", "mutations (S2Graph)", { decode: (b, o) => decodeTsv(b, o), wait: fixed("async"), answer: "s2graph" }, tsv);
  route("/graphs/edges/bulkWithWait", "Edges and vertices as S2Graph TSV lines (answers once visible)", "mutations (S2Graph)", { decode: (b, o) => decodeTsv(b, o), wait: fixed("visible"), answer: "s2graph" }, tsv);

  const vertexOpsByPath: Array<[string, VertexOp, WaitMode, boolean]> = [
    ["insert", "insert", "async", true], ["insertWithWait", "insert", "visible", false],
    ["delete", "delete", "async", true], ["deleteWithWait", "delete", "visible", false],
    ["deleteAll", "deleteAll", "visible", true],
  ];
  for (const [name, op, wait, withColumnForm] of vertexOpsByPath) {
    const plan = (routed: boolean): IngestPlan => ({
      decode: (b, o, c) => decodeVertexJson(b, { ...o, op, ...(routed ? { serviceName: c.req.param("serviceName") ?? "", columnName: c.req.param("columnName") ?? "" } : {}) }),
      wait: fixed(wait),
      answer: "s2graph",
    });
    route(`/graphs/vertices/${name}`, `Vertices: ${op}`, "mutations (S2Graph)", plan(false), { schema: vertices });
    if (withColumnForm) route(`/graphs/vertices/${name}/:serviceName/:columnName`, `Vertices of one column: ${op}`, "mutations (S2Graph)", plan(true), { schema: vertices });
  }

  // The akka-http server's paths always wait (S2GraphMutateRoute).
  for (const op of ["insert", "insertBulk", "delete", "update", "increment", "deleteAll"] as const) {
    route(`/mutate/edge/${op}`, `Edges: ${op}, answers once visible`, "mutations (S2Graph akka-http)", { decode: (b, o) => decodeEdgeJson(b, { ...o, op }), wait: fixed("visible"), answer: "s2graph" }, { schema: edges });
  }
  for (const op of ["insert", "delete", "deleteAll"] as const) {
    const plan = (routed: boolean): IngestPlan => ({
      decode: (b, o, c) => decodeVertexJson(b, { ...o, op, ...(routed ? { serviceName: c.req.param("serviceName") ?? "", columnName: c.req.param("columnName") ?? "" } : {}) }),
      wait: fixed("visible"),
      answer: "s2graph",
    });
    route(`/mutate/vertex/${op}`, `Vertices: ${op}, answers once visible`, "mutations (S2Graph akka-http)", plan(false), { schema: vertices });
    route(`/mutate/vertex/${op}/:serviceName/:columnName`, `Vertices of one column: ${op}, answers once visible`, "mutations (S2Graph akka-http)", plan(true), { schema: vertices });
  }

  route(
    "/v1/mutate",
    "Native high-volume ingest: NDJSON (one S2Graph edge or vertex object a line) or TSV, plain or gzip",
    "mutations (native)",
    { decode: (b, o, c) => decodeNative(b, nativeFormatOf(c.req.header("content-type") ?? null, b), o), wait: nativeWait, answer: "native" },
    { schema: z.string().openapi({ example: '{"timestamp":1700000000000,"from":1,"to":2,"label":"friends","props":{"weight":0.9}}' }), type: "application/x-ndjson" },
    z.object({ wait: z.enum(["async", "durable", "visible"]).optional().openapi({ description: "async: 202 once queued for the log; durable (default): 200 after the fsync; visible: 200 once queryable" }) }),
  );
}
