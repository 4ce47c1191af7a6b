/**
 * The reference evaluator of the where language, written for clarity rather than speed: the
 * SQL executor's results are tested against it ("results equal a reference filter").
 *
 * Semantics follow S2Graph's `WhereParser` clauses: `!=` is not-equal (so it holds when the
 * values cannot be compared), `>=` is greater-or-equal, `between` includes both ends, `in` holds
 * when any value is equal, `contains` tests the prop's text form for a substring. A prop the edge
 * lacks (the executor fills in defaults, so only a bug leaves one out) compares as nothing.
 */
import { assert, type DataType, type PropValue } from "../../lib/index.ts";
import { compareTyped } from "./values.ts";
import type { Operand, PropRef, WhereAst, WhereEdge } from "./where-ast.ts";

/** The value a prop ref names on an edge; `parents[0]` is the edge one step back. */
export function refValue(ref: PropRef, edge: WhereEdge, parents: readonly WhereEdge[]): PropValue | undefined {
  const target = ref.depth === 0 ? edge : parents[ref.depth - 1];
  assert(target !== undefined, `where refers ${ref.depth} step(s) back but the edge has ${parents.length} parent(s)`);
  if (ref.name === "_from") return target.from;
  if (ref.name === "_to") return target.to;
  if (ref.name === "_timestamp") return target.timestamp;
  return Object.hasOwn(target.props, ref.name) ? target.props[ref.name] : undefined;
}

function operandValue(operand: Operand, leftType: DataType, edge: WhereEdge, parents: readonly WhereEdge[]): [PropValue | undefined, DataType] {
  if (operand.kind === "literal") return [operand.value, leftType];
  return [refValue(operand, edge, parents), operand.dataType];
}

function compareWith(left: PropRef, right: Operand, edge: WhereEdge, parents: readonly WhereEdge[]): number | undefined {
  const [value, type] = operandValue(right, left.dataType, edge, parents);
  return compareTyped(refValue(left, edge, parents), left.dataType, value, type);
}

/** Whether `edge` (with its parent chain) passes the where tree; `null` passes everything. */
export function evalWhere(ast: WhereAst | null, edge: WhereEdge, parents: readonly WhereEdge[] = []): boolean {
  if (ast === null) return true;
  switch (ast.kind) {
    case "compare": {
      const c = compareWith(ast.left, ast.right, edge, parents);
      switch (ast.op) {
        case "=": return c === 0;
        case "!=": return c !== 0;
        case ">": return c !== undefined && c > 0;
        case ">=": return c !== undefined && c >= 0;
        case "<": return c !== undefined && c < 0;
        case "<=": return c !== undefined && c <= 0;
      }
      break;
    }
    case "in": {
      const found = ast.values.some((v) => compareWith(ast.left, v, edge, parents) === 0);
      return ast.negated ? !found : found;
    }
    case "between": {
      const low = compareWith(ast.left, ast.low, edge, parents);
      const high = compareWith(ast.left, ast.high, edge, parents);
      return low !== undefined && high !== undefined && low >= 0 && high <= 0;
    }
    case "contains": {
      const value = refValue(ast.left, edge, parents);
      return value !== undefined && String(value).includes(ast.text);
    }
    case "not":
      return !evalWhere(ast.clause, edge, parents);
    case "and":
      return evalWhere(ast.left, edge, parents) && evalWhere(ast.right, edge, parents);
    case "or":
      return evalWhere(ast.left, edge, parents) || evalWhere(ast.right, edge, parents);
  }
}
