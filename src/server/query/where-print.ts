/**
 * Prints a where tree as canonical text that `parseWhere` reads back into an equal tree (the
 * property test in `where-roundtrip.test.ts` holds it to that).
 *
 * Canonical form: lower-case keywords, single spaces, strings always single-quoted with `\`,
 * `'` and `$` escaped (so no template can appear by accident), numbers as JavaScript prints
 * them, references as `_parent.` paths. Because and/or share one precedence level and chain
 * left to right, only a right operand that is itself and/or needs parentheses.
 */
import type { PropValue } from "../../lib/index.ts";
import { refText } from "./where-parse.ts";
import type { Operand, WhereAst } from "./where-ast.ts";

export function quoteWhereString(text: string): string {
  return `'${text.replace(/[\\'$]/g, (m) => `\\${m}`)}'`;
}

function literalText(value: PropValue): string {
  if (typeof value === "string") return quoteWhereString(value);
  return String(value);
}

function operandText(operand: Operand): string {
  return operand.kind === "prop" ? refText(operand) : literalText(operand.value);
}

function isPredicate(ast: WhereAst): boolean {
  return ast.kind === "compare" || ast.kind === "in" || ast.kind === "between" || ast.kind === "contains";
}

function print(ast: WhereAst): string {
  switch (ast.kind) {
    case "compare":
      return `${refText(ast.left)} ${ast.op} ${operandText(ast.right)}`;
    case "in":
      return `${refText(ast.left)} ${ast.negated ? "not in" : "in"} (${ast.values.map(operandText).join(", ")})`;
    case "between":
      return `${refText(ast.left)} between ${operandText(ast.low)} and ${operandText(ast.high)}`;
    case "contains":
      return `${refText(ast.left)} contains ${quoteWhereString(ast.text)}`;
    case "not":
      return isPredicate(ast.clause) ? `not ${print(ast.clause)}` : `not (${print(ast.clause)})`;
    case "and":
    case "or": {
      const right = ast.right.kind === "and" || ast.right.kind === "or" ? `(${print(ast.right)})` : print(ast.right);
      return `${print(ast.left)} ${ast.kind} ${right}`;
    }
  }
}

/** Canonical text for a where tree; `""` for no filter. */
export function printWhere(ast: WhereAst | null): string {
  return ast === null ? "" : print(ast);
}
