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
import { executeGetEdges, executeQuery, type ParamFetcher } from "./execute.ts";
import { referenceFetch } from "./fetch.ts";
import type { GetEdgesPlan, LabelParamPlan, QueryPlan } from "./plan.ts";
import type { Json } from "./response.ts";
import type { DegreeRow, QueryResult } from "./result.ts";
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

/** The in-memory fetcher: every read scans the label's edges, as `referenceFetch`. */
export function memoryFetcher(graph: ReferenceGraph): ParamFetcher {
  return {
    async fetch(param, vertices) {
      const all = oriented(graph, param);
      return {
        rows: vertices.map((v) => referenceFetch(param, v.id, all, v.chain)),
        degrees: vertices.map((v) => degreeRow(param, v.id, all)),
      };
    },
  };
}

export function referenceQuery(query: QueryPlan, graph: ReferenceGraph, nowMs: number, opts: ReferenceOptions = {}): Promise<QueryResult> {
  return executeQuery(query, memoryFetcher(graph), nowMs, opts);
}

/** The response S2Graph would give for the plan over the graph's edges. */
export function referenceGetEdges(plan: GetEdgesPlan, graph: ReferenceGraph, opts: ReferenceOptions = {}): Promise<Json> {
  return executeGetEdges(plan, memoryFetcher(graph), opts);
}
