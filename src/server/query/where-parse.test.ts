import { describe, expect, test } from "bun:test";
import { EdgeflowError } from "../../lib/index.ts";
import { follow, s2Test, viewed, whereEdge } from "./test-fixtures.ts";
import { evalWhere } from "./where-eval.ts";
import { parseWhere, wherePredicatesMax } from "./where-parse.ts";
import { printWhere } from "./where-print.ts";
import type { WhereAst, WhereEdge } from "./where-ast.ts";

const nowMs = 1_474_422_964_000;

function check(edge: WhereEdge, parents: WhereEdge[] = []) {
  return (text: string, expected: boolean) => {
    const ast = parseWhere(text, s2Test, { nowMs, parents: [[{ label: s2Test, direction: "out" }], [{ label: s2Test, direction: "out" }]] });
    expect({ text, result: evalWhere(ast, edge, parents) }).toEqual({ text, result: expected });
  };
}

function error(text: string, opts: Parameters<typeof parseWhere>[2] = {}): EdgeflowError {
  try {
    parseWhere(text, s2Test, { nowMs, ...opts });
  } catch (e) {
    if (e instanceof EdgeflowError) return e;
    throw e;
  }
  throw new Error(`expected ${JSON.stringify(text)} to fail`);
}

// Ported from S2Graph's WhereParserTest; the edge is 1 -> 2 of the test label.
describe("query: where: S2Graph WhereParserTest", () => {
  test("query: where: clauses that are not nested", () => {
    const f = check(whereEdge(1, 2, 0, { is_hidden: true, is_blocked: false, weight: 10, time: 3, phone_number: "1234" }));
    f("_to=2", true);
    f("_to=19230495", false);
    f("_to!=19230495", true);
    f("phone_number=1234", true);
  });

  test("query: where: string literals, empty, with spaces and with an escaped quote", () => {
    check(whereEdge(1, 2, 0, { phone_number: "" }))("phone_number = '' ", true);
    check(whereEdge(1, 2, 0, { phone_number: "010 3167 1897" }))("phone_number = '010 3167 1897' ", true);
    check(whereEdge(1, 2, 0, { phone_number: "010' 3167 1897" }))("phone_number = '010\\' 3167 1897' ", true);
  });

  test("query: where: nested clauses", () => {
    const f = check(whereEdge(1, 2, 0, { is_hidden: true, is_blocked: false, weight: 10, time: 3, name: "abc" }));
    f("time >= 3", true);
    f("time > 2", true);
    f("time <= 3", true);
    f("time < 2", false);
    f("NOT time >= 3", false);
    f("(time in (1, 2, 3) and is_blocked = true) or is_hidden = false", false);
    f("(time in (1, 2, 3) or is_blocked = true) or is_hidden = false", true);
    f("(time in (1, 2, 3) and is_blocked = true) or is_hidden = true", true);
    f("(time in (1, 2, 3) or is_blocked = true) and is_hidden = true", true);
    f("((time in (  1, 2, 3) and weight between 1 and 10) or is_hidden=false)", true);
    f("(time in (1, 2, 4 ) or weight between 1 and 9) or (is_hidden = false)", false);
    f("(time in ( 1,2,4 ) or weight between 1 and 9) or is_hidden= true", true);
    f("(time in (1,2,3) or weight between 1 and 10) and is_hidden =false", false);
  });

  test("query: where: _from and _to of long ids", () => {
    const f = check(whereEdge(1, 2, 0, { is_hidden: true, is_blocked: false, weight: 10, time: 3, name: "abc" }));
    f("_from = -1 or _to = 2", true);
    f("_to = 2", true);
    f("_from = 1 and _to = 2", true);
    f("_from = 2 and _to = 102934", false);
    f("_from = -1", false);
    f("_from in (-1, -0.1)", false);
    f("NOT (_from = -1)", true);
    f("NOT _from contains 'a'", true);
  });

  test("query: where: _parent refers to the edge one and two steps back", () => {
    const parentProps = { is_hidden: false, is_blocked: false, weight: 20, time: 3, name: "a" };
    const grandParent = whereEdge(1, 2, 0, parentProps);
    const parent = whereEdge(1, 2, 0, parentProps);
    const f = check(whereEdge(1, 2, 0, { is_hidden: true, is_blocked: false, weight: 10, time: 1, name: "abc" }), [parent, grandParent]);
    f("_from = 1", true);
    f("_to = 2", true);
    f("_from = 123", false);
    f("_from = time", true);
    f("weight = time", false);
    f("weight = is_blocked", false);
    f("_parent.is_blocked = is_blocked", true);
    f("is_hidden = _parent.is_hidden", false);
    f("_parent.weight = weight", false);
    f("_parent._parent.is_hidden = is_hidden", false);
    f("_parent._parent.is_blocked = is_blocked", true);
    f("_parent._parent.weight = weight", false);
    f("_parent._parent.weight = _parent.weight", true);
  });

  test("query: where: name = 'daewon' parses", () => {
    expect(parseWhere("name = 'daewon'", s2Test)).toEqual({ kind: "compare", op: "=", left: { kind: "prop", depth: 0, name: "name", dataType: "string" }, right: { kind: "literal", value: "daewon" } });
  });
});

describe("query: where: grammar", () => {
  const edge = whereEdge(1, 2, 5_000, { weight: 10, time: 3, name: "abc", is_hidden: false });

  test("query: where: an empty or blank text is no filter", () => {
    expect(parseWhere("", s2Test)).toBeNull();
    expect(parseWhere("   \n", s2Test)).toBeNull();
    expect(evalWhere(null, edge)).toBe(true);
  });

  test("query: where: and and or chain left to right with one precedence, as S2Graph", () => {
    const ast = parseWhere("weight = 1 or weight = 10 and time = 4", s2Test);
    expect(ast?.kind).toBe("and");
    expect(evalWhere(ast, edge)).toBe(false);
    expect(evalWhere(parseWhere("weight = 1 or (weight = 10 and time = 3)", s2Test), edge)).toBe(true);
  });

  test("query: where: clauses side by side are and-ed, as S2Graph's rep(clause)", () => {
    expect(evalWhere(parseWhere("weight = 10 time = 3", s2Test), edge)).toBe(true);
    expect(evalWhere(parseWhere("weight = 10 time = 4", s2Test), edge)).toBe(false);
  });

  test("query: where: between is inclusive at both ends", () => {
    expect(evalWhere(parseWhere("weight between 10 and 20", s2Test), edge)).toBe(true);
    expect(evalWhere(parseWhere("weight between 1 and 10", s2Test), edge)).toBe(true);
    expect(evalWhere(parseWhere("weight between 11 and 20", s2Test), edge)).toBe(false);
  });

  test("query: where: in, not in and an empty list", () => {
    expect(evalWhere(parseWhere("weight in (9, 10)", s2Test), edge)).toBe(true);
    expect(evalWhere(parseWhere("weight not in (9, 10)", s2Test), edge)).toBe(false);
    expect(evalWhere(parseWhere("weight NOT IN (9)", s2Test), edge)).toBe(true);
    expect(evalWhere(parseWhere("weight in ()", s2Test), edge)).toBe(false);
  });

  test("query: where: contains tests the text form of the value", () => {
    expect(evalWhere(parseWhere("name contains 'b'", s2Test), edge)).toBe(true);
    expect(evalWhere(parseWhere("name CONTAINS z", s2Test), edge)).toBe(false);
    expect(evalWhere(parseWhere("weight contains '1'", s2Test), edge)).toBe(true);
  });

  test("query: where: bare words are strings unless they name a prop", () => {
    expect(evalWhere(parseWhere("name = abc", s2Test), edge)).toBe(true);
    const ref = parseWhere("name = phone_number", s2Test);
    expect(ref).toMatchObject({ right: { kind: "prop", name: "phone_number" } });
    expect(parseWhere("name = 'phone_number'", s2Test)).toMatchObject({ right: { kind: "literal", value: "phone_number" } });
  });

  test("query: where: double quotes are not string delimiters, as S2Graph's code", () => {
    expect(parseWhere('name = "abc"', s2Test)).toMatchObject({ right: { kind: "literal", value: '"abc"' } });
  });

  test("query: where: from, to and timestamp are aliases of _from, _to and _timestamp", () => {
    expect(parseWhere("from = 1 and to = 2 and timestamp = 5000", s2Test)).toEqual(parseWhere("_from = 1 and _to = 2 and _timestamp = 5000", s2Test));
    expect(evalWhere(parseWhere("timestamp >= 5000", s2Test), edge)).toBe(true);
  });

  test("query: where: literals take the prop's type: quoted numbers are numbers, booleans any case", () => {
    expect(evalWhere(parseWhere("weight = '10'", s2Test), edge)).toBe(true);
    expect(evalWhere(parseWhere("is_hidden = FALSE", s2Test), edge)).toBe(true);
    expect(evalWhere(parseWhere("weight > 9.5", s2Test), edge)).toBe(true);
    expect(parseWhere("weight = 9223372036854775807", s2Test)).toMatchObject({ right: { value: "9223372036854775807" } });
  });

  test("query: where: the types of _from and _to follow the direction", () => {
    expect(parseWhere("_to = 'i1'", viewed)).toMatchObject({ left: { dataType: "string" } });
    expect(parseWhere("_from = 'i1'", viewed, { direction: "in" })).toMatchObject({ left: { dataType: "string" } });
    expect(parseWhere("_to = 7", viewed, { direction: "in" })).toMatchObject({ left: { dataType: "long" } });
  });

  test("query: where: _parent props are typed by the step before when it has them", () => {
    const ast = parseWhere("_parent.rating > 2", s2Test, { parents: [[{ label: viewed, direction: "out" }]] });
    expect(ast).toMatchObject({ left: { depth: 1, name: "rating", dataType: "double" } });
    expect(parseWhere("_parent.weight = 2", s2Test, { parents: [[{ label: follow, direction: "out" }]] })).toMatchObject({ left: { depth: 1, dataType: "long" } });
  });

  test("query: where: a prop named like a keyword prefix is not a keyword", () => {
    expect(evalWhere(parseWhere("name = notes", s2Test), whereEdge(1, 2, 0, { name: "notes" }))).toBe(true);
  });

  test("query: where: templates expand to timestamps, in bare words and in quotes", () => {
    const day = 86_400_000;
    expect(parseWhere("_timestamp > ${now - 3 day}", s2Test, { nowMs })).toMatchObject({ right: { value: nowMs - 3 * day } });
    expect(parseWhere("_timestamp < '${now + 1 hour}'", s2Test, { nowMs })).toMatchObject({ right: { value: nowMs + 3_600_000 } });
    expect(parseWhere('_timestamp < "${now}"', s2Test, { nowMs })).toMatchObject({ right: { value: nowMs } });
    expect(parseWhere("time = ${randint(3, 3)}", s2Test, { nowMs })).toMatchObject({ right: { value: 3 } });
    expect(parseWhere("_timestamp > ${_parent._timestamp}", s2Test, { nowMs })).toMatchObject({ right: { kind: "prop", depth: 1, name: "_timestamp" } });
  });

  test("query: where: a backslash-dollar in quotes is a literal dollar, not a template", () => {
    expect(parseWhere("name = '\\${now}'", s2Test, { nowMs })).toMatchObject({ right: { value: "${now}" } });
  });

  test("query: where: printWhere gives canonical text that parses back", () => {
    const text = "NOT (weight >= 3 OR name = 'it''s') and _parent._timestamp < _timestamp";
    expect(() => parseWhere(text, s2Test)).toThrow();
    const ok = "NOT (weight >= 3 OR name contains 'a\\'b') and _parent._timestamp < _timestamp and time not in (1, 2)";
    const ast = parseWhere(ok, s2Test) as WhereAst;
    expect(printWhere(ast)).toBe("not (weight >= 3 or name contains 'a\\'b') and _parent._timestamp < _timestamp and time not in (1, 2)");
    expect(parseWhere(printWhere(ast), s2Test)).toEqual(ast);
  });
});

describe("query: where: errors name the position", () => {
  test("query: where: a missing value", () => {
    const e = error("weight = ");
    expect(e.code).toBe("where_syntax");
    expect(e.detail.position).toBe(9);
    expect(e.message).toContain("at position 9");
  });

  test("query: where: an unknown operator", () => {
    const e = error("weight ~ 3");
    expect(e.code).toBe("where_syntax");
    expect(e.detail.position).toBe(7);
    expect(e.message).toContain('near "~ 3"');
  });

  test("query: where: an unclosed parenthesis", () => {
    const e = error("(weight = 3 and time = 1");
    expect(e.code).toBe("where_syntax");
    expect(e.detail.position).toBe(24);
    expect(e.message).toContain('close the "(" at position 0');
  });

  test("query: where: an unterminated string", () => {
    const e = error("name = 'abc");
    expect(e.detail.position).toBe(7);
    expect(e.message).toContain("unterminated string");
  });

  test("query: where: a stray closing parenthesis", () => {
    expect(error("weight = 3 )").detail.position).toBe(11);
  });

  test("query: where: mixed-case keywords are not keywords, as S2Graph's regexes", () => {
    const e = error("weight = 3 And time = 1");
    expect(e.code).toBe("unknown_prop");
    expect(e.detail.position).toBe(11);
    expect(e.message).toContain("keywords are all lower or all upper case");
  });

  test("query: where: between without and", () => {
    const e = error("weight between 1 or 2");
    expect(e.message).toContain('expected "and"');
    expect(e.detail.position).toBe(17);
  });

  test("query: where: an unknown prop is unknown_prop at its position", () => {
    const e = error("weight = 3 and colour = 'red'");
    expect(e.code).toBe("unknown_prop");
    expect(e.kind).toBe("invalid");
    expect(e.detail.position).toBe(15);
  });

  test("query: where: a literal that does not fit the prop's type", () => {
    const e = error("weight = heavy");
    expect(e.code).toBe("invalid_literal");
    expect(e.detail.position).toBe(9);
    expect(error("is_hidden = 1").code).toBe("invalid_literal");
  });

  test("query: where: a bad template", () => {
    const e = error("_timestamp > ${yesterday}");
    expect(e.code).toBe("where_syntax");
    expect(e.detail.position).toBe(13);
    expect(error("_timestamp > ${now").message).toContain("unterminated template");
  });

  test("query: where: _parent deeper than the steps before", () => {
    const e = error("_parent._parent.weight = 1", { maxParentDepth: 1 });
    expect(e.code).toBe("parent_out_of_range");
  });

  test("query: where: the JSON path prefixes the message", () => {
    expect(error("weight =", { path: "steps[0].step[0].where" }).message).toStartWith("steps[0].step[0].where: expected a value at position 8");
  });

  test("query: where: too many conditions and too deep nesting are refused", () => {
    const many = Array.from({ length: wherePredicatesMax + 1 }, () => "weight = 1").join(" and ");
    expect(error(many).code).toBe("where_too_large");
    expect(error("(".repeat(100) + "weight = 1" + ")".repeat(100)).code).toBe("where_syntax");
  });
});
