import { describe, expect, test } from "bun:test";
import { EdgeflowError } from "../lib/index.ts";
import { isPlainIdentifier, quoteIdentifier, quoteString, quoteValue } from "./quote.ts";

function kindOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    return error instanceof EdgeflowError ? `${error.kind}:${error.code}` : `other:${String(error)}`;
  }
  return "no error";
}

describe("store: quote", () => {
  test("store: quote: strings escape backslash, quote and every control character", () => {
    expect(quoteString("")).toBe("''");
    expect(quoteString("it's")).toBe("'it\\'s'");
    expect(quoteString("a\\b")).toBe("'a\\\\b'");
    expect(quoteString("\0\n\t\x1f\x7f")).toBe("'\\x00\\x0a\\x09\\x1f\\x7f'");
    expect(quoteString("`\"?{x:String}")).toBe("'`\"?{x:String}'");
    expect(quoteString("日本 😀 \u2028")).toBe("'日本 😀 \u2028'");
  });

  test("store: quote: a quoted string never contains a raw NUL, newline or unescaped quote", () => {
    const quoted = quoteString("x'; DROP TABLE t; --\0\n");
    expect(quoted).not.toMatch(/[\0\n]/);
    expect(quoted.slice(1, -1)).not.toMatch(/(^|[^\\])(\\\\)*'/);
  });

  test("store: quote: lone surrogates are rejected as invalid", () => {
    expect(kindOf(() => quoteString("a\uD800b"))).toBe("invalid:store.quote.lone_surrogate");
    expect(kindOf(() => quoteString("\uDC00"))).toBe("invalid:store.quote.lone_surrogate");
    expect(quoteString("\uD83D\uDE00")).toBe("'😀'");
  });

  test("store: quote: identifiers are backquoted with backquote and backslash escaped", () => {
    expect(quoteIdentifier("edges")).toBe("`edges`");
    expect(quoteIdentifier("a`b")).toBe("`a\\`b`");
    expect(quoteIdentifier("a\\b c")).toBe("`a\\\\b c`");
    expect(quoteIdentifier("x\0")).toBe("`x\\x00`");
    expect(kindOf(() => quoteIdentifier(""))).toBe("invalid:store.quote.identifier_length");
    expect(kindOf(() => quoteIdentifier("x".repeat(256)))).toBe("invalid:store.quote.identifier_length");
  });

  test("store: quote: plain identifiers are letters, digits and underscores not starting with a digit", () => {
    expect(isPlainIdentifier("edgeflow_1")).toBe(true);
    expect(isPlainIdentifier("_x")).toBe(true);
    for (const bad of ["", "1x", "a-b", "a.b", "a b", "é", "a`"]) expect(isPlainIdentifier(bad)).toBe(false);
  });

  test("store: quote: values are typed literals, negative ones parenthesized", () => {
    expect(quoteValue(null)).toBe("NULL");
    expect(quoteValue(true)).toBe("1");
    expect(quoteValue(false)).toBe("0");
    expect(quoteValue(42)).toBe("42");
    expect(quoteValue(-5)).toBe("(-5)");
    expect(quoteValue(0.1)).toBe("0.1");
    expect(quoteValue(-1.5e300)).toBe("(-1.5e+300)");
    expect(quoteValue(2 ** 70)).toBe("1.1805916207174113e+21");
    expect(quoteValue(1.5)).toBe("1.5");
    expect(quoteValue(-0)).toBe("0");
    expect(quoteValue(9223372036854775807n)).toBe("9223372036854775807");
    expect(quoteValue(-9223372036854775808n)).toBe("(-9223372036854775808)");
    expect(quoteValue(18446744073709551615n)).toBe("18446744073709551615");
    expect(quoteValue("x")).toBe("'x'");
  });

  test("store: quote: values that would not round-trip are rejected as invalid", () => {
    expect(kindOf(() => quoteValue(Number.NaN))).toBe("invalid:store.quote.not_finite");
    expect(kindOf(() => quoteValue(Number.POSITIVE_INFINITY))).toBe("invalid:store.quote.not_finite");
    expect(kindOf(() => quoteValue(2 ** 53))).toBe("invalid:store.quote.unsafe_integer");
    expect(kindOf(() => quoteValue(5e-324))).toBe("invalid:store.quote.subnormal");
    expect(kindOf(() => quoteValue(2n ** 64n))).toBe("invalid:store.quote.out_of_range");
    expect(kindOf(() => quoteValue(-(2n ** 63n) - 1n))).toBe("invalid:store.quote.out_of_range");
    expect(kindOf(() => quoteValue({} as unknown as string))).toBe("invalid:store.quote.unsupported_type");
    expect(kindOf(() => quoteString(5 as unknown as string))).toBe("invalid:store.quote.not_a_string");
  });
});
