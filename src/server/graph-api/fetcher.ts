/**
 * The ClickHouse fetcher for getEdges: one SQL query per label param per chunk of the
 * frontier (`LIMIT n BY` the source vertex), over the store's fold of the label.
 *
 * What runs in SQL is what S2Graph does in its storage scan, before the page is cut: the
 * index order, `duration`, literal `interval` bounds and `_to`. What runs here, on the page,
 * is what S2Graph does after the scan: `where` (with `_parent` references, which differ per
 * vertex). An interval that refers to `_parent` differs per vertex too, so such a param is read
 * one vertex at a time. Values enter SQL only through the store's quoting functions and
 * identifiers only from the registry.
 */
import { EdgeflowError, type PropValue } from "../../lib/index.ts";
import { quoteIdentifier, quoteValue, type GraphStore } from "../../store/index.ts";
import {
  evalWhere,
  type FetchOptions,
  type FetchVertex,
  type IntervalBound,
  type LabelParamPlan,
  type ParamFetch,
  type ParamFetcher,
  type WhereEdge,
} from "../query/index.ts";
import { boundValue } from "../query/index.ts";

export interface FetchLimits {
  /** Vertices a single SQL read names; bigger frontiers are read in chunks. */
  chunkVerticesMax: number;
  /** Edges a whole request may fetch; past it the request fails with 400 `too_many_rows`. */
  rowsMax: number;
  /** The request's deadline on `now`'s clock; past it, 504. */
  deadlineMs: number;
  /** The clock the deadline is on (the server's injected one). */
  now: () => number;
}

/** Interval bounds over a prefix of the index, as a lexicographic SQL comparison. */
function boundSql(bounds: readonly IntervalBound[], parents: readonly WhereEdge[], lower: boolean): string {
  // (p1, p2) >= (a, b)  ==  p1 > a OR (p1 = a AND p2 >= b); 18.16 has no tuple comparison.
  const parts = bounds.map((b) => ({ column: quoteIdentifier(b.prop === "_timestamp" ? "timestamp" : b.prop), value: boundValue(b, parents) }));
  let sql = "";
  for (let i = parts.length - 1; i >= 0; i--) {
    const p = parts[i];
    if (!p || p.value === undefined) return "0";
    const v = quoteValue(p.value);
    const last = i === parts.length - 1;
    const strict = `${p.column} ${lower ? ">" : "<"} ${v}`;
    const edge = last ? `${p.column} ${lower ? ">=" : "<="} ${v}` : `(${p.column} = ${v} AND (${sql}))`;
    sql = last ? edge : `${strict} OR ${edge}`;
  }
  return sql;
}

function intervalSql(param: LabelParamPlan, parents: readonly WhereEdge[]): string | undefined {
  if (!param.interval) return undefined;
  return `(${boundSql(param.interval.from, parents, true)}) AND (${boundSql(param.interval.to, parents, false)})`;
}

function hasParentInterval(param: LabelParamPlan): boolean {
  const all = [...(param.interval?.from ?? []), ...(param.interval?.to ?? [])];
  return all.some((b) => b.value.kind === "parent");
}

export class ClickHouseFetcher implements ParamFetcher {
  private rowCount = 0;

  constructor(
    private readonly graph: GraphStore,
    private readonly limits: FetchLimits,
  ) {}

  async fetch(param: LabelParamPlan, vertices: readonly FetchVertex[], options: FetchOptions): Promise<ParamFetch> {
    const perVertex = hasParentInterval(param);
    const groups: FetchVertex[][] = [];
    const size = perVertex ? 1 : this.limits.chunkVerticesMax;
    for (let i = 0; i < vertices.length; i += size) groups.push(vertices.slice(i, i + size));
    const fetched = await Promise.all(groups.map((group) => this.fetchGroup(param, group, options.degrees)));
    return { rows: fetched.flatMap((f) => f.rows), degrees: fetched.flatMap((f) => f.degrees) };
  }

  private checkBudget(): void {
    if (this.limits.now() > this.limits.deadlineMs) {
      throw new EdgeflowError("timeout", "query_timeout", "the query ran past its time limit; narrow it (smaller limits, fewer steps)");
    }
    if (this.rowCount > this.limits.rowsMax) {
      throw new EdgeflowError("invalid", "too_many_rows", `the query read more than ${this.limits.rowsMax} edges; lower its limits`);
    }
  }

  private async fetchGroup(param: LabelParamPlan, group: readonly FetchVertex[], wantDegrees: boolean): Promise<ParamFetch> {
    this.checkBudget();
    const ids = group.map((v) => v.id);
    const interval = intervalSql(param, group[0]?.chain ?? []);
    const query = {
      label: param.label,
      direction: param.direction,
      vertexIds: ids,
      limit: param.limit,
      offset: param.offset,
      // Index order as the reference: index values descending, then `to` descending, then newest first.
      orderBy: [...param.index.propNames, "_to"],
      ...(interval ? { where: interval } : {}),
      ...(param.duration?.fromMs != null ? { tsFrom: param.duration.fromMs } : {}),
      ...(param.duration?.toMs != null ? { tsTo: param.duration.toMs } : {}),
      ...(param.to !== null ? { to: param.to } : {}),
    };
    // Degrees only when the answer shows them (S2Graph reports them for plain scans); then the
    // same statement reads them with the edges.
    const degreeWanted = wantDegrees && param.offset === 0 && param.interval === null && param.to === null;
    const { edges: rows, degrees } = degreeWanted ? await this.graph.edgesWithDegrees(query) : { edges: await this.graph.edges(query), degrees: [] };
    this.rowCount += rows.length;
    this.checkBudget();
    const byVertex = new Map<string, WhereEdge[]>();
    for (const row of rows) {
      const key = String(row.from);
      const list = byVertex.get(key) ?? [];
      list.push({ from: row.from, to: row.to, timestamp: row.ts, props: row.props });
      byVertex.set(key, list);
    }
    const degreeOf = new Map(degrees.map((d) => [String(d.vertexId), d.degree]));
    return {
      rows: group.map((v) => {
        const page = byVertex.get(String(v.id)) ?? [];
        return param.where ? page.filter((e) => evalWhere(param.where!, e, v.chain)) : page;
      }),
      degrees: group.map((v) => {
        const degree = degreeOf.get(String(v.id)) ?? 0;
        return degree > 0 ? { from: v.id as PropValue, label: param.label.label, direction: param.direction, degree } : null;
      }),
    };
  }
}
