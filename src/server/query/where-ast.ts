/**
 * The where language's syntax tree. Every prop reference carries its resolved data type, so the
 * SQL executor and the reference evaluator compare values the same way, and a literal is already
 * typed for the prop it is compared with.
 */
import type { DataType, LabelDef, PropValue } from "../../lib/index.ts";

export type Direction = "out" | "in";

/** `_from`, `_to` and `_timestamp` are the edge's own fields; any other name is a label prop. */
export const systemFields = ["_from", "_to", "_timestamp"] as const;
export type SystemField = (typeof systemFields)[number];

/** S2Graph accepts each system field with and without its underscore (`LabelMeta.reservedMetas`). */
export const fieldAliases: Readonly<Record<string, SystemField>> = {
  _from: "_from", from: "_from", _to: "_to", to: "_to", _timestamp: "_timestamp", timestamp: "_timestamp",
};

/** A prop of the edge (`depth` 0) or of the edge `depth` steps back (`_parent.`, `_parent._parent.`). */
export interface PropRef {
  kind: "prop";
  depth: number;
  name: string;
  dataType: DataType;
}

export interface Literal {
  kind: "literal";
  value: PropValue;
}

export type Operand = PropRef | Literal;

export type CompareOp = "=" | "!=" | ">" | ">=" | "<" | "<=";

export type WhereAst =
  | { kind: "compare"; op: CompareOp; left: PropRef; right: Operand }
  | { kind: "in"; negated: boolean; left: PropRef; values: Operand[] }
  | { kind: "between"; left: PropRef; low: Operand; high: Operand }
  | { kind: "contains"; left: PropRef; text: string }
  | { kind: "not"; clause: WhereAst }
  | { kind: "and"; left: WhereAst; right: WhereAst }
  | { kind: "or"; left: WhereAst; right: WhereAst };

/** The edge a where clause is evaluated on: props with the label's defaults filled in. */
export interface WhereEdge {
  from: PropValue;
  to: PropValue;
  timestamp: number;
  props: Readonly<Record<string, PropValue>>;
}

/** Which label (and direction) the edges one step back came from, for typing `_parent.` refs. */
export interface LabelSide {
  label: LabelDef;
  direction: Direction;
}

export function andAll(clauses: readonly WhereAst[]): WhereAst | null {
  let acc: WhereAst | null = null;
  for (const c of clauses) acc = acc === null ? c : { kind: "and", left: acc, right: c };
  return acc;
}

/** The data type of a system field of an edge of `label` read in `direction`. */
export function systemFieldType(field: SystemField, label: LabelDef, direction: Direction): DataType {
  if (field === "_timestamp") return "long";
  const fromSide = direction === "out" ? label.srcColumnType : label.tgtColumnType;
  const toSide = direction === "out" ? label.tgtColumnType : label.srcColumnType;
  return field === "_from" ? fromSide : toSide;
}
