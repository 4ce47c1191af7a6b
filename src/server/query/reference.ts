/**
 * A reference executor: a whole getEdges plan run in memory over a list of edges, built only
 * from this module's helpers. It is slow and simple on purpose; the ClickHouse executor's
 * answers are compared with it, and it shows the order in which the helpers are called.
 *
 * Degrees: a param read with offset 0, no interval and no `_to` reports the vertex's degree
 * (its count of edges of that label and direction, before any filter) when it has any, as
 * S2Graph returns the degree cell at the head of such a scan. (`includeDegree` is parsed but,
 * as in S2Graph, not consulted.)
 */
import type { LabelDef } from "../../lib/index.ts";
import { parentChain, type FetchedEdge } from "./edge.ts";
import { referenceFetch } from "./fetch.ts";
import type { GetEdgesPlan, LabelParamPlan, QueryPlan, RequestPlan } from "./plan.ts";
import { toGetEdgesJson, type Json, type JsonRecord } from "./response.ts";
import { finishQuery, mergeMultiQuery, type DegreeRow, type QueryResult } from "./result.ts";
import { combineStep, nextFrontier, paramsFor, startFrontier, stepEdges, stepGroupByFilter, type ParamEdges } from "./step.ts";
import { compareTyped } from "./values.ts";
import type { WhereEdge } from "./where-ast.ts";

/** The stored edges of a label, each as written: `from` is the label's source vertex. */
export interface ReferenceGraph {
  edges(label: LabelDef): readonly WhereEdge[];
}

export interface ReferenceOptions {
  random?: () => number;
}

/** The edges of a param's label oriented for its direction (undirected: both ways, as out-edges). */
function oriented(graph: ReferenceGraph, param: LabelParamPlan): WhereEdge[] {
  const stored = graph.edges(param.label);
  const flipped = stored.map((e) => ({ ...e, from: e.to, to: e.from }));
  if (param.undirected) return [...stored, ...flipped];
  return param.direction === "out" ? [...stored] : flipped;
}

function degreeRow(param: LabelParamPlan, vertexId: WhereEdge["from"], edges: readonly WhereEdge[]): DegreeRow | null {
  if (param.offset !== 0 || param.interval !== null || param.to !== null) return null;
  const type = param.direction === "out" ? param.label.srcColumnType : param.label.tgtColumnType;
  const degree = edges.filter((e) => compareTyped(e.from, type, vertexId, type) === 0).length;
  return degree === 0 ? null : { from: vertexId, label: param.label.label, direction: param.direction, degree };
}

/** The last step's edges of a query, with the degrees its reads reported. */
function traverse(query: QueryPlan, graph: ReferenceGraph, nowMs: number, opts: ReferenceOptions): { edges: FetchedEdge[]; degrees: DegreeRow[] } {
  let frontier = startFrontier(query);
  let edges: FetchedEdge[] = [];
  const degrees: DegreeRow[] = [];
  for (const [i, step] of query.steps.entries()) {
    const fetches: ParamEdges[] = [];
    for (const vertex of frontier) {
      const head = vertex.parents[0];
      const chain = head === undefined ? [] : [head, ...parentChain(head)];
      for (const param of paramsFor(step, i, vertex)) {
        const all = oriented(graph, param);
        const degree = degreeRow(param, vertex.id, all);
        if (degree) degrees.push(degree);
        const rows = referenceFetch(param, vertex.id, all, chain);
        const stepOpts = { nowMs, nextStep: query.steps[i + 1] ?? null, ...(opts.random ? { random: opts.random } : {}) };
        fetches.push({ param, edges: stepEdges(param, vertex, rows, stepOpts) });
      }
    }
    edges = stepGroupByFilter(combineStep(fetches), step.groupBy);
    if (i < query.steps.length - 1) frontier = nextFrontier(edges, step, query.options);
  }
  return { edges, degrees };
}

export function referenceQuery(query: QueryPlan, graph: ReferenceGraph, nowMs: number, opts: ReferenceOptions = {}): QueryResult {
  const { edges, degrees } = traverse(query, graph, nowMs, opts);
  const filterOut = query.options.filterOut ? traverse(query.options.filterOut, graph, nowMs, opts).edges : null;
  return finishQuery(edges, query.options, degrees, filterOut);
}

function referenceRequest(request: RequestPlan, graph: ReferenceGraph, nowMs: number, opts: ReferenceOptions): JsonRecord {
  if (request.kind === "query") return toGetEdgesJson(referenceQuery(request.query, graph, nowMs, opts), request.query.options);
  const { queries, weights, options } = request.multi;
  const results = queries.map((q) => referenceQuery(q, graph, nowMs, opts));
  const filterOut = options.filterOut ? traverse(options.filterOut, graph, nowMs, opts).edges : null;
  return toGetEdgesJson(mergeMultiQuery(results, weights, options, filterOut), options);
}

/** The response S2Graph would give for the plan over the graph's edges. */
export function referenceGetEdges(plan: GetEdgesPlan, graph: ReferenceGraph, opts: ReferenceOptions = {}): Json {
  const body = plan.body;
  switch (body.kind) {
    case "query":
    case "multi":
      return referenceRequest(body, graph, plan.nowMs, opts);
    case "array":
      return body.items.map((item) => referenceRequest(item, graph, plan.nowMs, opts));
    case "union": {
      const out: JsonRecord = {};
      for (const { key, plan: request } of body.entries) out[key] = referenceRequest(request, graph, plan.nowMs, opts);
      return out;
    }
  }
}
