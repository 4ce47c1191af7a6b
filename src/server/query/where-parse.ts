/**
 * The where parser: S2Graph's `WhereParser` grammar, hand-written so every error names the
 * character position where the text went wrong.
 *
 *   where     := clause*                      (clauses side by side are and-ed, as `rep(clause)`)
 *   clause    := term (("and" | "or") term)*  (one precedence level, left to right)
 *   term      := "not" (predicate | paren) | predicate | paren
 *   paren     := "(" clause ")"
 *   predicate := path op value | path "between" value "and" value
 *              | path ["not"] "in" "(" [value ("," value)*] ")" | path "contains" value
 *   value     := 'quoted' | bare word (anything up to space ( ) , ')
 *
 * Keywords are all lower case or all upper case, as S2Graph's regexes. `a or b and c` is
 * `(a or b) and c`: S2Graph's `clause` chains and/or left to right with no precedence, and
 * compatibility wins over surprise. A bare word that names a prop (or starts with `_parent.`)
 * is a reference to that prop, as S2Graph's `valueToCompare`; a quoted word is always a
 * literal; numbers and true/false are always literals. Templates (`${now - 1 day}`) are expanded
 * where they stand, inside quotes too.
 */
import { EdgeflowError, assert, type LabelDef } from "../../lib/index.ts";
import { evalTemplate, TemplateError, type TemplateClock } from "./template.ts";
import { typedLiteral } from "./values.ts";
import { andAll, fieldAliases, systemFieldType, type CompareOp, type Direction, type LabelSide, type Operand, type PropRef, type WhereAst } from "./where-ast.ts";

export interface WhereOptions {
  /** The direction the label is read in; it decides the types of `_from` and `_to`. Default out. */
  direction?: Direction;
  /** `parents[0]`: the labels of the step before, `parents[1]`: the step before that. */
  parents?: ReadonlyArray<ReadonlyArray<LabelSide>>;
  /** Refuse `_parent` chains deeper than this (the step's index in its query). */
  maxParentDepth?: number;
  /** The clock for templates; a where text with a template needs it. */
  nowMs?: number;
  randomInt?: (low: number, high: number) => number;
  /** The JSON path of the where text, for messages. */
  path?: string;
}

/** A where text is at most this long: it is parsed on every request. */
export const whereCharsMax = 65_536;
/** At most this many predicates, so evaluation never recurses too deep. */
export const wherePredicatesMax = 1_000;
/** At most this many nested parentheses or nots. */
export const whereNestingMax = 64;

const compareOps: readonly CompareOp[] = ["!=", ">=", "<=", "=", ">", "<"];
const numberText = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function isIdentStart(ch: string | undefined): boolean {
  return ch !== undefined && /[\p{L}_$]/u.test(ch);
}

function isIdentPart(ch: string | undefined): boolean {
  return ch !== undefined && /[\p{L}\p{N}_$]/u.test(ch);
}

function isSpace(ch: string | undefined): boolean {
  return ch !== undefined && /\s/.test(ch);
}

interface Token {
  text: string;
  quoted: boolean;
  start: number;
}

class WhereParser {
  private pos = 0;
  private nesting = 0;
  private predicates = 0;

  constructor(
    private readonly text: string,
    private readonly label: LabelDef,
    private readonly opts: WhereOptions,
  ) {}

  parse(): WhereAst | null {
    const clauses: WhereAst[] = [];
    for (;;) {
      this.skipSpace();
      if (this.pos >= this.text.length) break;
      clauses.push(this.clause());
    }
    return andAll(clauses);
  }

  private fail(code: string, message: string, position: number): never {
    const path = this.opts.path ?? "where";
    const near = position >= this.text.length ? "at the end" : `near ${JSON.stringify(this.text.slice(position, position + 24))}`;
    throw new EdgeflowError("invalid", code, `${path}: ${message} at position ${position} (${near})`, { path, position, where: this.text });
  }

  private skipSpace(): void {
    while (isSpace(this.text[this.pos])) this.pos++;
  }

  private keyword(words: readonly string[]): string | undefined {
    for (const w of words) {
      if (this.text.startsWith(w, this.pos) && !isIdentPart(this.text[this.pos + w.length])) return w;
    }
    return undefined;
  }

  private clause(): WhereAst {
    let left = this.term();
    for (;;) {
      this.skipSpace();
      const kw = this.keyword(["and", "AND", "or", "OR"]);
      if (kw === undefined) return left;
      this.pos += kw.length;
      const right = this.term();
      left = { kind: kw.toLowerCase() === "and" ? "and" : "or", left, right };
    }
  }

  private term(): WhereAst {
    this.skipSpace();
    if (this.pos >= this.text.length) this.fail("where_syntax", "expected a condition", this.pos);
    const start = this.pos;
    const not = this.keyword(["not", "NOT"]);
    if (not !== undefined) {
      // S2Graph tries `not` first and backtracks: a prop named `not` still works.
      let after = this.pos + not.length;
      while (isSpace(this.text[after])) after++;
      if (this.text[after] === "(" || isIdentStart(this.text[after])) {
        this.pos = after;
        return { kind: "not", clause: this.nested(start, () => (this.text[this.pos] === "(" ? this.paren() : this.predicate())) };
      }
    }
    if (this.text[this.pos] === "(") return this.nested(start, () => this.paren());
    return this.predicate();
  }

  private nested(start: number, inner: () => WhereAst): WhereAst {
    if (++this.nesting > whereNestingMax) this.fail("where_syntax", `more than ${whereNestingMax} nested parentheses or nots`, start);
    const result = inner();
    this.nesting--;
    return result;
  }

  private paren(): WhereAst {
    const open = this.pos;
    this.pos++;
    const inner = this.clause();
    this.skipSpace();
    if (this.text[this.pos] !== ")") this.fail("where_syntax", `expected ")" to close the "(" at position ${open}`, this.pos);
    this.pos++;
    return inner;
  }

  private predicate(): WhereAst {
    const start = this.pos;
    const path = this.identPath();
    if (path === "") this.fail("where_syntax", "expected a property name", start);
    if (++this.predicates > wherePredicatesMax) {
      throw new EdgeflowError("too_large", "where_too_large", `${this.opts.path ?? "where"}: more than ${wherePredicatesMax} conditions`, { path: this.opts.path });
    }
    const left = this.resolve(path, start);
    this.skipSpace();
    const op = compareOps.find((o) => this.text.startsWith(o, this.pos));
    if (op !== undefined) {
      this.pos += op.length;
      return { kind: "compare", op, left, right: this.operand(left) };
    }
    if (this.keyword(["between", "BETWEEN"]) !== undefined) return this.between(left);
    const notIn = /^(not\s+in|NOT\s+IN)(?![\p{L}\p{N}_$])/u.exec(this.text.slice(this.pos, this.pos + 64));
    if (notIn) {
      this.pos += notIn[0].length;
      return { kind: "in", negated: true, left, values: this.list(left) };
    }
    const inKw = this.keyword(["in", "IN"]);
    if (inKw !== undefined) {
      this.pos += inKw.length;
      return { kind: "in", negated: false, left, values: this.list(left) };
    }
    const contains = this.keyword(["contains", "CONTAINS"]);
    if (contains !== undefined) {
      this.pos += contains.length;
      return { kind: "contains", left, text: this.token().text };
    }
    this.fail("where_syntax", `expected an operator (=, !=, <, <=, >, >=, between, in, not in, contains) after ${JSON.stringify(path)}`, this.pos);
  }

  private between(left: PropRef): WhereAst {
    this.pos += "between".length;
    const low = this.operand(left);
    this.skipSpace();
    const and = this.keyword(["and", "AND"]);
    if (and === undefined) this.fail("where_syntax", 'expected "and" in "between ... and ..."', this.pos);
    this.pos += and.length;
    return { kind: "between", left, low, high: this.operand(left) };
  }

  private list(left: PropRef): Operand[] {
    this.skipSpace();
    if (this.text[this.pos] !== "(") this.fail("where_syntax", 'expected "(" to open the list after in', this.pos);
    this.pos++;
    this.skipSpace();
    const values: Operand[] = [];
    if (this.text[this.pos] === ")") {
      this.pos++;
      return values;
    }
    for (;;) {
      values.push(this.operand(left));
      this.skipSpace();
      const ch = this.text[this.pos];
      this.pos++;
      if (ch === ")") return values;
      if (ch !== ",") this.fail("where_syntax", 'expected "," or ")" in the list', this.pos - 1);
    }
  }

  private identPath(): string {
    const start = this.pos;
    if (!isIdentStart(this.text[this.pos])) return "";
    for (;;) {
      while (isIdentPart(this.text[this.pos])) this.pos++;
      if (this.text[this.pos] === "." && isIdentStart(this.text[this.pos + 1])) this.pos++;
      else return this.text.slice(start, this.pos);
    }
  }

  private template(): string {
    const start = this.pos;
    const end = this.text.indexOf("}", start + 2);
    if (end < 0) this.fail("where_syntax", "unterminated template ${...", start);
    assert(this.opts.nowMs !== undefined, "parseWhere needs opts.nowMs to expand a template");
    const clock: TemplateClock = { nowMs: this.opts.nowMs };
    if (this.opts.randomInt) clock.randomInt = this.opts.randomInt;
    this.pos = end + 1;
    try {
      return evalTemplate(this.text.slice(start + 2, end), clock);
    } catch (e) {
      if (e instanceof TemplateError) this.fail("where_syntax", e.message, start);
      throw e;
    }
  }

  private token(): Token {
    this.skipSpace();
    const start = this.pos;
    if (this.pos >= this.text.length) this.fail("where_syntax", "expected a value", start);
    if (this.text[this.pos] === "'") return { text: this.quoted(), quoted: true, start };
    let out = "";
    while (this.pos < this.text.length) {
      if (this.text.startsWith("${", this.pos)) {
        // S2Graph's template regex swallows a double quote on either side.
        if (out.endsWith('"')) out = out.slice(0, -1);
        out += this.template();
        if (this.text[this.pos] === '"') this.pos++;
        continue;
      }
      const ch = this.text[this.pos] as string;
      if (isSpace(ch) || ch === "(" || ch === ")" || ch === "," || ch === "'") break;
      out += ch;
      this.pos++;
    }
    if (out === "" && this.pos === start) this.fail("where_syntax", "expected a value", start);
    return { text: out, quoted: false, start };
  }

  /** A single-quoted string: `\'`, `\\` and `\$` escape; other backslashes stay as written. */
  private quoted(): string {
    const open = this.pos;
    this.pos++;
    let out = "";
    for (;;) {
      if (this.pos >= this.text.length) this.fail("where_syntax", `unterminated string starting at position ${open}`, open);
      const ch = this.text[this.pos] as string;
      const next = this.text[this.pos + 1];
      if (ch === "\\" && (next === "'" || next === "\\" || next === "$")) {
        out += next;
        this.pos += 2;
      } else if (ch === "'") {
        this.pos++;
        return out;
      } else if (this.text.startsWith("${", this.pos)) {
        out += this.template();
      } else {
        out += ch;
        this.pos++;
      }
    }
  }

  private operand(left: PropRef): Operand {
    const token = this.token();
    const text = token.text;
    if (!token.quoted && !numberText.test(text) && !/^(true|false)$/i.test(text) && this.namesProp(text)) {
      return this.resolve(text, token.start);
    }
    const value = typedLiteral(text, left.dataType);
    if (value === undefined) {
      this.fail("invalid_literal", `${JSON.stringify(text)} is not a ${left.dataType}, the type of ${refText(left)}`, token.start);
    }
    return { kind: "literal", value };
  }

  private namesProp(word: string): boolean {
    if (word.startsWith("_parent.")) return true;
    if (Object.hasOwn(fieldAliases, word)) return true;
    return this.label.props.some((p) => p.name === word);
  }

  private resolve(path: string, start: number): PropRef {
    const segments = path.split(".");
    let depth = 0;
    while (segments.length > 1 && segments[0] === "_parent") {
      segments.shift();
      depth++;
    }
    const name = segments.length === 1 ? (segments[0] as string) : path;
    if (this.opts.maxParentDepth !== undefined && depth > this.opts.maxParentDepth) {
      this.fail("parent_out_of_range", `${JSON.stringify(path)} reaches ${depth} step(s) back, but this step has only ${this.opts.maxParentDepth} before it`, start);
    }
    const direction = this.opts.direction ?? "out";
    const sides: readonly LabelSide[] = depth === 0 ? [] : (this.opts.parents?.[depth - 1] ?? []);
    const system = Object.hasOwn(fieldAliases, name) ? fieldAliases[name] : undefined;
    if (system !== undefined) {
      const side = sides[0];
      const dataType = side ? systemFieldType(system, side.label, side.direction) : systemFieldType(system, this.label, direction);
      return { kind: "prop", depth, name: system, dataType };
    }
    // S2Graph types a `_parent.` literal by the current label's prop; the step before may name others.
    const prop = sides.map((s) => s.label.props.find((p) => p.name === name)).find((p) => p !== undefined) ?? this.label.props.find((p) => p.name === name);
    if (prop === undefined) {
      const hint = /^(and|or|not|in|between|contains)$/i.test(path) ? " (keywords are all lower or all upper case)" : "";
      this.fail("unknown_prop", `label ${this.label.label} has no prop ${JSON.stringify(path)}${hint}`, start);
    }
    return { kind: "prop", depth, name, dataType: prop.dataType };
  }
}

export function refText(ref: PropRef): string {
  return "_parent.".repeat(ref.depth) + ref.name;
}

/**
 * Parses a where text for edges of `label`; `null` for an empty text (no filter). Errors are
 * `EdgeflowError("invalid", "where_syntax" | "unknown_prop" | "invalid_literal" | ...)` whose
 * message and `detail.position` name the 0-based character position.
 */
export function parseWhere(text: string, label: LabelDef, opts: WhereOptions = {}): WhereAst | null {
  if (text.length > whereCharsMax) {
    throw new EdgeflowError("too_large", "where_too_large", `${opts.path ?? "where"}: longer than ${whereCharsMax} characters`, { path: opts.path });
  }
  return new WhereParser(text, label, opts).parse();
}
