/**
 * The getEdges executor, generic over where edges come from: a `ParamFetcher` reads one label
 * param for a whole frontier at once (ClickHouse: one SQL query per param per chunk of the
 * frontier; the reference: an in-memory scan), and this module runs the steps, scores,
 * duplicates, grouping and the response with this module's helpers, in S2Graph's order.
 */
import type { PropValue } from "../../lib/index.ts";
import { parentChain, type FetchedEdge } from "./edge.ts";
import type { GetEdgesPlan, LabelParamPlan, QueryPlan, RequestPlan } from "./plan.ts";
import { toGetEdgesJson, type Json, type JsonRecord } from "./response.ts";
import { finishQuery, mergeMultiQuery, type DegreeRow, type QueryResult } from "./result.ts";
import { combineStep, nextFrontier, paramsFor, startFrontier, stepEdges, stepGroupByFilter, type ParamEdges } from "./step.ts";
import type { WhereEdge } from "./where-ast.ts";

/** One vertex a param is read from, with the parent chain `_parent.` refers to (`chain[0]` one step back). */
export interface FetchVertex {
  id: PropValue;
  chain: readonly WhereEdge[];
}

export interface ParamFetch {
  /** Per vertex, in the order given: its rows as `referenceFetch` returns them (scan, page, then where). */
  rows: WhereEdge[][];
  /** Per vertex: its degree row when the read reports one. */
  degrees: Array<DegreeRow | null>;
}

export interface FetchOptions {
  /** Whether the query answers degrees; a fetcher may skip reading them when not. */
  degrees: boolean;
}

export interface ParamFetcher {
  fetch(param: LabelParamPlan, vertices: readonly FetchVertex[], options: FetchOptions): Promise<ParamFetch>;
}

export interface ExecuteOptions {
  random?: () => number;
}

/** The last step's edges of a query, with the degrees its reads reported. */
async function traverse(query: QueryPlan, fetcher: ParamFetcher, nowMs: number, opts: ExecuteOptions): Promise<{ edges: FetchedEdge[]; degrees: DegreeRow[] }> {
  let frontier = startFrontier(query);
  let edges: FetchedEdge[] = [];
  const degrees: DegreeRow[] = [];
  for (const [i, step] of query.steps.entries()) {
    // Group the frontier by param so each param is read once for all of its vertices.
    const work = new Map<LabelParamPlan, Array<{ vertex: (typeof frontier)[number]; chain: WhereEdge[] }>>();
    for (const vertex of frontier) {
      const head = vertex.parents[0];
      const chain = head === undefined ? [] : [head, ...parentChain(head)];
      for (const param of paramsFor(step, i, vertex)) {
        const list = work.get(param) ?? [];
        list.push({ vertex, chain });
        work.set(param, list);
      }
    }
    const stepOpts = { nowMs, nextStep: query.steps[i + 1] ?? null, ...(opts.random ? { random: opts.random } : {}) };
    const results = await Promise.all([...work.entries()].map(async ([param, list]) => ({ param, list, fetched: await fetcher.fetch(param, list.map((w) => ({ id: w.vertex.id, chain: w.chain })), { degrees: query.options.returnDegree }) })));
    // Keep S2Graph's order: vertices in frontier order, params in step order within a vertex.
    const byVertex = new Map<(typeof frontier)[number], ParamEdges[]>();
    for (const { param, list, fetched } of results) {
      list.forEach((w, k) => {
        const degree = fetched.degrees[k];
        if (degree) degrees.push(degree);
        const entry = byVertex.get(w.vertex) ?? [];
        entry.push({ param, edges: stepEdges(param, w.vertex, fetched.rows[k] ?? [], stepOpts) });
        byVertex.set(w.vertex, entry);
      });
    }
    const fetches: ParamEdges[] = [];
    for (const vertex of frontier) {
      const entries = byVertex.get(vertex) ?? [];
      const order = paramsFor(step, i, vertex);
      entries.sort((a, b) => order.indexOf(a.param) - order.indexOf(b.param));
      fetches.push(...entries);
    }
    edges = stepGroupByFilter(combineStep(fetches), step.groupBy);
    if (i < query.steps.length - 1) frontier = nextFrontier(edges, step, query.options);
  }
  return { edges, degrees };
}

export async function executeQuery(query: QueryPlan, fetcher: ParamFetcher, nowMs: number, opts: ExecuteOptions = {}): Promise<QueryResult> {
  const [main, filterOut] = await Promise.all([
    traverse(query, fetcher, nowMs, opts),
    query.options.filterOut ? traverse(query.options.filterOut, fetcher, nowMs, opts) : Promise.resolve(null),
  ]);
  return finishQuery(main.edges, query.options, main.degrees, filterOut?.edges ?? null);
}

async function executeRequest(request: RequestPlan, fetcher: ParamFetcher, nowMs: number, opts: ExecuteOptions): Promise<JsonRecord> {
  if (request.kind === "query") return toGetEdgesJson(await executeQuery(request.query, fetcher, nowMs, opts), request.query.options);
  const { queries, weights, options } = request.multi;
  const results = await Promise.all(queries.map((q) => executeQuery(q, fetcher, nowMs, opts)));
  const filterOut = options.filterOut ? (await traverse(options.filterOut, fetcher, nowMs, opts)).edges : null;
  return toGetEdgesJson(mergeMultiQuery(results, weights, options, filterOut), options);
}

/** The getEdges response for a plan: one result, an array of them, or an object of them (union). */
export async function executeGetEdges(plan: GetEdgesPlan, fetcher: ParamFetcher, opts: ExecuteOptions = {}): Promise<Json> {
  const body = plan.body;
  switch (body.kind) {
    case "query":
    case "multi":
      return executeRequest(body, fetcher, plan.nowMs, opts);
    case "array":
      return Promise.all(body.items.map((item) => executeRequest(item, fetcher, plan.nowMs, opts)));
    case "union": {
      const entries = await Promise.all(body.entries.map(async ({ key, plan: request }) => [key, await executeRequest(request, fetcher, plan.nowMs, opts)] as const));
      return Object.fromEntries(entries);
    }
  }
}
