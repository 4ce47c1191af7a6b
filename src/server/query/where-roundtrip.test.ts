import { expect, test } from "bun:test";
import fc from "fast-check";
import type { DataType, PropValue } from "../../lib/index.ts";
import { s2Test } from "./test-fixtures.ts";
import { typedLiteral } from "./values.ts";
import { parseWhere } from "./where-parse.ts";
import { printWhere } from "./where-print.ts";
import type { CompareOp, Operand, PropRef, WhereAst } from "./where-ast.ts";

const seed = process.env.SEED !== undefined ? Number(process.env.SEED) : Date.now() % 2 ** 31;
console.log(`where round trip: SEED=${seed}`);

const side = { label: s2Test, direction: "out" as const };
const parseOpts = { parents: [[side], [side]], nowMs: 0 };

const fields: Array<[string, DataType]> = [
  ["_from", "long"], ["_to", "long"], ["_timestamp", "long"],
  ...s2Test.props.map((p): [string, DataType] => [p.name, p.dataType]),
];

const refArb: fc.Arbitrary<PropRef> = fc.record({
  depth: fc.integer({ min: 0, max: 2 }),
  field: fc.constantFrom(...fields),
}).map(({ depth, field }) => ({ kind: "prop", depth, name: field[0], dataType: field[1] }));

/** Strings that stress the quoting: quotes, backslashes, dollars, braces, separators, any unicode. */
const nastyString = fc.array(
  fc.oneof(
    fc.constantFrom("'", "\\", "\\'", "$", "{", "}", "${now}", "${", " ", "(", ")", ",", '"', "\n", "\t", "and", "or", "not", "é", "😀"),
    fc.string({ unit: "binary", maxLength: 6 }),
    fc.string({ unit: "grapheme", maxLength: 6 }),
  ),
  { maxLength: 8 },
).map((parts) => parts.join(""));

function literalArb(dataType: DataType): fc.Arbitrary<PropValue> {
  const raw: fc.Arbitrary<string | number | boolean> =
    dataType === "string" ? nastyString
    : dataType === "boolean" ? fc.boolean()
    : fc.oneof(
      fc.maxSafeInteger(),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String),
      fc.integer({ min: -1000, max: 1000 }),
    );
  // The parser's canonical form of the value (e.g. a long past 2^53 stays a decimal string).
  return raw.map((v) => typedLiteral(v, dataType)).filter((v): v is PropValue => v !== undefined);
}

function operandArb(left: PropRef): fc.Arbitrary<Operand> {
  return fc.oneof(
    { weight: 3, arbitrary: literalArb(left.dataType).map((value): Operand => ({ kind: "literal", value })) },
    { weight: 1, arbitrary: refArb },
  );
}

const predicateArb: fc.Arbitrary<WhereAst> = refArb.chain((left) => fc.oneof(
  fc.record({ op: fc.constantFrom<CompareOp>("=", "!=", ">", ">=", "<", "<="), right: operandArb(left) }).map(({ op, right }): WhereAst => ({ kind: "compare", op, left, right })),
  fc.record({ negated: fc.boolean(), values: fc.array(operandArb(left), { maxLength: 4 }) }).map(({ negated, values }): WhereAst => ({ kind: "in", negated, left, values })),
  fc.record({ low: operandArb(left), high: operandArb(left) }).map(({ low, high }): WhereAst => ({ kind: "between", left, low, high })),
  nastyString.map((text): WhereAst => ({ kind: "contains", left, text })),
));

const { tree } = fc.letrec<{ tree: WhereAst }>((tie) => ({
  tree: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    predicateArb,
    tie("tree").map((clause): WhereAst => ({ kind: "not", clause })),
    fc.record({ left: tie("tree"), right: tie("tree") }).map(({ left, right }): WhereAst => ({ kind: "and", left, right })),
    fc.record({ left: tie("tree"), right: tie("tree") }).map(({ left, right }): WhereAst => ({ kind: "or", left, right })),
  ),
}));

test("query: where: printWhere then parseWhere gives back the same tree (property, any unicode literal)", () => {
  fc.assert(
    fc.property(tree, (ast) => {
      const text = printWhere(ast);
      expect(parseWhere(text, s2Test, parseOpts)).toEqual(ast);
      expect(printWhere(parseWhere(text, s2Test, parseOpts))).toBe(text);
    }),
    { seed, numRuns: 1000 },
  );
});
