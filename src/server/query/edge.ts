/**
 * The edge the executor hands to the post-processing helpers: one fetched row, oriented the way
 * the traversal walked it (`from` is the vertex the step started at, also for direction "in"),
 * with the label's defaults filled into `props` and its score so far.
 */
import type { PropValue } from "../../lib/index.ts";
import type { Direction, WhereEdge } from "./where-ast.ts";

export interface FetchedEdge extends WhereEdge {
  label: string;
  direction: Direction;
  score: number;
  /** The previous step's edges that arrived at `from` (S2Graph's parent edges); `[]` in step one. */
  parents?: readonly FetchedEdge[];
  /** The edge before a `transform` rewrote its `to`; the tree output shows this one. */
  original?: FetchedEdge;
}

/**
 * A named value of an edge, as S2Graph's `EdgeWithScore.toValue`: `score`, `from`/`_from`,
 * `to`/`_to`, `label`, `direction`, `timestamp`/`_timestamp`, or a prop.
 */
export function fieldValue(edge: FetchedEdge, key: string): PropValue | undefined {
  switch (key) {
    case "score": return edge.score;
    case "from": case "_from": return edge.from;
    case "to": case "_to": return edge.to;
    case "label": return edge.label;
    case "direction": return edge.direction;
    case "timestamp": case "_timestamp": return edge.timestamp;
    default: return Object.hasOwn(edge.props, key) ? edge.props[key] : undefined;
  }
}

/** The chain `_parent.` refers to: the first parent, its first parent, and so on. */
export function parentChain(edge: FetchedEdge): FetchedEdge[] {
  const chain: FetchedEdge[] = [];
  let current = edge.parents?.[0];
  while (current !== undefined) {
    chain.push(current);
    current = current.parents?.[0];
  }
  return chain;
}
