/**
 * The graph read API, as S2Graph's: `POST /graphs/getEdges` (and its legacy aliases),
 * `POST /graphs/checkEdges`, `GET /graphs/getEdge/:srcId/:tgtId/:labelName/:direction`,
 * `POST /graphs/getVertices`.
 *
 * A request is parsed into a typed plan (`query/`), checked against the caller's tenant (a
 * service token reads only its own service's labels and columns: 403 otherwise, before any
 * read), and executed by the generic executor with the ClickHouse fetcher. Per-request limits:
 * the frontier is read in chunks, the edges a request may read (`rowsMax`, 400 past it) and
 * its time (`timeoutMs`, 504 past it) are bounded.
 */
import type { Context, Hono } from "hono";
import { EdgeflowError, coerceId, type PropValue } from "../../lib/index.ts";
import type { GraphStore } from "../../store/index.ts";
import { requireLabelAccess, requireService, type Principal } from "../auth/index.ts";
import { readJson, type AppEnv } from "../http/index.ts";
import { z, type Contract } from "../openapi/index.ts";
import { directionOf, edgeToJson, executeGetEdges, parseGetEdges, type GetEdgesPlan, type QueryPlan, type RequestPlan } from "../query/index.ts";
import type { Registry } from "../registry/index.ts";
import { ClickHouseFetcher } from "./fetcher.ts";

export interface GraphApiOptions {
  chunkVerticesMax: number;
  rowsMax: number;
  timeoutMs: number;
  hardLimit: number;
  /** Elements one checkEdges or getVertices request may name: each is a read, run at once. */
  itemsMax: number;
}

export const graphApiDefaults: GraphApiOptions = { chunkVerticesMax: 500, rowsMax: 1_000_000, timeoutMs: 10_000, hardLimit: 100_000, itemsMax: 1000 };

/** The elements of a checkEdges or getVertices body, at most `itemsMax`. */
function itemsOf(body: unknown, itemsMax: number, what: string): unknown[] {
  if (!Array.isArray(body)) throw new EdgeflowError("invalid", "invalid_request", `${what} takes an array`);
  if (body.length > itemsMax) throw new EdgeflowError("too_large", "too_many_items", `${what} takes at most ${itemsMax} elements, got ${body.length}`, { itemsMax });
  return body;
}

export interface GraphApiDeps {
  registry: Registry;
  graph: GraphStore;
  now: () => number;
  options?: Partial<GraphApiOptions>;
}

function queriesOf(plan: RequestPlan): QueryPlan[] {
  return plan.kind === "query" ? [plan.query] : [...plan.multi.queries, ...(plan.multi.options.filterOut ? [plan.multi.options.filterOut] : [])];
}

/** Every label a plan reads must belong to the caller's service (or the caller is the admin). */
function authorizePlan(principal: Principal, plan: GetEdgesPlan): void {
  if (principal.kind === "admin") return;
  const body = plan.body;
  const requests = body.kind === "array" ? body.items : body.kind === "union" ? body.entries.map((e) => e.plan) : [body];
  const visit = (q: QueryPlan): void => {
    for (const step of q.steps) for (const param of step.params) requireLabelAccess(principal, param.label);
    if (q.options.filterOut) visit(q.options.filterOut);
  };
  for (const r of requests) for (const q of queriesOf(r)) visit(q);
}

const EdgeResultSchema = z
  .object({
    from: z.union([z.string(), z.number()]),
    to: z.union([z.string(), z.number()]),
    label: z.string(),
    direction: z.string(),
    timestamp: z.number(),
    score: z.number().optional(),
    props: z.record(z.string(), z.unknown()),
  })
  .passthrough()
  .openapi("EdgeResult");
const GetEdgesAnswer = z
  .object({ size: z.number(), degrees: z.array(z.record(z.string(), z.unknown())), results: z.array(EdgeResultSchema) })
  .passthrough()
  .openapi("GetEdgesAnswer");
const VertexResultSchema = z
  .object({ serviceName: z.string(), columnName: z.string(), id: z.union([z.string(), z.number()]), props: z.record(z.string(), z.unknown()), timestamp: z.number() })
  .openapi("VertexResult");

/** The fetcher of one getEdges request: its frontier chunks, row budget and deadline from `options`. */
export function requestFetcher(graph: GraphStore, now: () => number, options: Pick<GraphApiOptions, "chunkVerticesMax" | "rowsMax" | "timeoutMs"> = graphApiDefaults): ClickHouseFetcher {
  return new ClickHouseFetcher(graph, { chunkVerticesMax: options.chunkVerticesMax, rowsMax: options.rowsMax, deadlineMs: now() + options.timeoutMs, now });
}

export function mountGraphApi(app: Hono<AppEnv>, contract: Contract, deps: GraphApiDeps): void {
  const options = { ...graphApiDefaults, ...deps.options };
  const fetcher = () => requestFetcher(deps.graph, deps.now, options);

  const getEdges = async (c: Context<AppEnv>) => {
    const plan = parseGetEdges(await readJson(c), deps.registry, { nowMs: deps.now(), hardLimit: options.hardLimit });
    authorizePlan(c.get("principal"), plan);
    if (plan.warnings.length > 0) c.get("log").debug({ warnings: plan.warnings }, "getEdges: options S2Graph ignores");
    return c.json(await executeGetEdges(plan, fetcher()) as Record<string, unknown>);
  };
  for (const path of ["/graphs/getEdges", "/graphs/getEdges/grouped", "/graphs/getEdgesExcluded", "/graphs/getEdgesExcluded/grouped", "/graphs/getEdgesGrouped", "/graphs/getEdgesGroupedExcluded"]) {
    app.post(path, getEdges);
    contract.add({
      method: "post",
      path,
      summary: path === "/graphs/getEdges" ? "Traverse the graph with S2Graph's query DSL" : "Legacy alias of getEdges (S2Graph delegates to the same handler)",
      tag: "queries",
      auth: "service",
      body: z.record(z.string(), z.unknown()).openapi({ example: { srcVertices: [{ serviceName: "kakao", columnName: "user_id", id: 1 }], steps: [[{ label: "friends", direction: "out", limit: 10 }]] } }),
      response: GetEdgesAnswer,
    });
  }

  const checkEdges = async (c: Context<AppEnv>, body: unknown) => {
    const items = itemsOf(body, options.itemsMax, "checkEdges (of {label, direction, from, to})");
    const principal = c.get("principal");
    const found = await Promise.all(
      items.map(async (raw, i) => {
        const item = (raw ?? {}) as Record<string, unknown>;
        const label = deps.registry.requireLabel(String(item.label ?? ""));
        requireLabelAccess(principal, label);
        const direction = item.direction === undefined ? "out" : directionOf(String(item.direction));
        if (direction === undefined) throw new EdgeflowError("invalid", "invalid_direction", `element ${i}: direction must be "out" or "in", got ${JSON.stringify(item.direction)}`, { index: i });
        const fromType = direction === "out" ? label.srcColumnType : label.tgtColumnType;
        const toType = direction === "out" ? label.tgtColumnType : label.srcColumnType;
        const from = coerceId(item.from, fromType);
        const to = coerceId(item.to, toType);
        if (from === undefined || to === undefined) throw new EdgeflowError("invalid", "invalid_id", `element ${i}: from and to must fit the label's column types`, { index: i });
        const rows = await deps.graph.edges({ label, direction, vertexIds: [from], to, limit: 1 });
        return rows.map((r) => edgeToJson({ ...r, timestamp: r.ts, score: 1 }, { withScore: true, select: [], returnTree: false }));
      }),
    );
    return c.json(found.flat());
  };
  app.post("/graphs/checkEdges", async (c) => checkEdges(c, await readJson(c)));
  contract.add({ method: "post", path: "/graphs/checkEdges", summary: "Which of the given edges exist", tag: "queries", auth: "service", body: z.array(z.object({ label: z.string(), direction: z.string().optional(), from: z.unknown(), to: z.unknown() })), response: z.array(EdgeResultSchema) });

  app.get("/graphs/getEdge/:srcId/:tgtId/:labelName/:direction", (c) =>
    checkEdges(c, [{ label: c.req.param("labelName"), direction: c.req.param("direction"), from: c.req.param("srcId"), to: c.req.param("tgtId") }]),
  );
  contract.add({ method: "get", path: "/graphs/getEdge/:srcId/:tgtId/:labelName/:direction", summary: "One edge, if it exists", tag: "queries", auth: "service", response: z.array(EdgeResultSchema) });

  app.post("/graphs/getVertices", async (c) => {
    const items = itemsOf(await readJson(c), options.itemsMax, "getVertices (of {serviceName, columnName, ids})");
    const out: Array<Record<string, unknown>> = [];
    for (const [i, raw] of items.entries()) {
      const item = (raw ?? {}) as Record<string, unknown>;
      const column = deps.registry.requireColumn(String(item.serviceName ?? ""), String(item.columnName ?? ""));
      requireService(c.get("principal"), column.serviceName);
      const rawIds = Array.isArray(item.ids) ? item.ids : item.id !== undefined ? [item.id] : [];
      const ids: PropValue[] = [];
      for (const id of rawIds) {
        const v = coerceId(id, column.columnType);
        if (v === undefined) throw new EdgeflowError("invalid", "invalid_id", `element ${i}: id ${JSON.stringify(id)} does not fit column type ${column.columnType}`, { index: i });
        ids.push(v);
      }
      for (const v of await deps.graph.vertices({ column, ids })) {
        out.push({ serviceName: column.serviceName, columnName: column.columnName, id: v.id, props: v.props, timestamp: v.ts });
      }
    }
    return c.json(out);
  });
  contract.add({
    method: "post",
    path: "/graphs/getVertices",
    summary: "Vertices with their props (defaults filled in from the column schema)",
    tag: "queries",
    auth: "service",
    body: z.array(z.object({ serviceName: z.string(), columnName: z.string(), ids: z.array(z.union([z.string(), z.number()])) })),
    response: z.array(VertexResultSchema),
  });
}
