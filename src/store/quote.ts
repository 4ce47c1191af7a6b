/**
 * The one way values enter SQL text. Everything that is not a constant written in our source
 * goes through `quoteString`, `quoteIdentifier` or `quoteValue`; nothing is concatenated raw.
 *
 * Literals use only escapes that ClickHouse 18.16 and 26.x both read the same way: `\\`, `\'`
 * (or `` \` `` in identifiers) and `\xHH` for every C0 control character and DEL. Escaping
 * control characters is not cosmetic: chDB passes the query as a C string, so a raw NUL would
 * cut the statement short. Every other character, astral ones included, goes through as its
 * UTF-8 bytes. Property tests round-trip arbitrary strings through `SELECT <literal>` on both
 * engines (test/integration/store-quoting.test.ts).
 */
import { EdgeflowError } from "../lib/index.ts";

/** What `quoteValue` accepts. */
export type QuotableValue = string | number | bigint | boolean | null;

/** Longest identifier accepted, in UTF-16 units; real names are far shorter. */
export const identifierLengthMax = 255;

const int64Min = -(2n ** 63n);
const uint64Max = 2n ** 64n - 1n;
/** Smallest positive normal double; 18.16 cannot parse subnormal literals (a syntax error). */
const float64NormalMin = 2.2250738585072014e-308;

const stringEscapes = /[\\'\x00-\x1f\x7f]/g;
const identifierEscapes = /[\\`\x00-\x1f\x7f]/g;
const loneSurrogate = /\p{Surrogate}/u;
const plainIdentifier = /^[A-Za-z_][A-Za-z0-9_]*$/;

function escapeCharacter(character: string): string {
  if (character === "\\") return "\\\\";
  if (character === "'") return "\\'";
  if (character === "`") return "\\`";
  return `\\x${character.charCodeAt(0).toString(16).padStart(2, "0")}`;
}

function invalid(code: string, message: string, detail: Record<string, unknown> = {}): EdgeflowError {
  return new EdgeflowError("invalid", code, message, detail);
}

function assertEncodable(value: string, what: string): void {
  // A lone surrogate has no UTF-8 encoding: it would reach the server as U+FFFD and the
  // round trip would silently change the value.
  if (loneSurrogate.test(value)) {
    throw invalid("store.quote.lone_surrogate", `${what} contains a lone UTF-16 surrogate, which has no UTF-8 form`);
  }
}

/** A ClickHouse string literal: `'...'` with `\\`, `\'` and `\xHH` escapes. */
export function quoteString(value: string): string {
  if (typeof value !== "string") throw invalid("store.quote.not_a_string", `expected a string, got ${typeof value}`);
  assertEncodable(value, "string");
  return `'${value.replace(stringEscapes, escapeCharacter)}'`;
}

/** A backquoted identifier: `` `...` `` with `\\`, `` \` `` and `\xHH` escapes. Rejects an empty name. */
export function quoteIdentifier(name: string): string {
  if (typeof name !== "string") throw invalid("store.quote.not_a_string", `expected an identifier string, got ${typeof name}`);
  if (name.length === 0 || name.length > identifierLengthMax) {
    throw invalid("store.quote.identifier_length", `identifier must be 1..${identifierLengthMax} characters long`, {
      length: name.length,
    });
  }
  assertEncodable(name, "identifier");
  return `\`${name.replace(identifierEscapes, escapeCharacter)}\``;
}

/**
 * True for `[A-Za-z_][A-Za-z0-9_]*`: the names used for databases and insert targets, because
 * chDB's raw insert accepts nothing else and such names need no quoting to be read back.
 */
export function isPlainIdentifier(name: string): boolean {
  return typeof name === "string" && name.length <= identifierLengthMax && plainIdentifier.test(name);
}

export function assertPlainIdentifier(name: string, what: string): void {
  if (!isPlainIdentifier(name)) {
    throw invalid("store.invalid_name", `${what} must match [A-Za-z_][A-Za-z0-9_]* (at most ${identifierLengthMax} characters)`, {
      name: String(name),
    });
  }
}

/** Negative literals are parenthesized, so `x -${v}` can never become a `--` comment. */
function withSign(text: string, negative: boolean): string {
  return negative ? `(${text})` : text;
}

function quoteNumber(value: number): string {
  if (!Number.isFinite(value)) throw invalid("store.quote.not_finite", `cannot quote ${value}: not a finite number`);
  if (value !== 0 && Math.abs(value) < float64NormalMin) {
    throw invalid("store.quote.subnormal", `cannot quote ${value}: ClickHouse 18.16 cannot parse subnormal literals`);
  }
  if (Number.isSafeInteger(value) || !Number.isInteger(value)) {
    // The shortest text that reads back as the same double; -0 becomes 0.
    return withSign(String(value), value < 0);
  }
  if (Math.abs(value) < 2 ** 64) {
    // An integer-valued number in the 64-bit range past 2^53 is usually an id that has
    // already lost digits; refuse rather than store a neighbour of the intended value.
    throw invalid("store.quote.unsafe_integer", `cannot quote ${value}: beyond ±2^53 it has lost precision; pass a bigint or a string`);
  }
  // Exponent form keeps a huge integer-valued double a Float64 literal; as digits, 26.x
  // would read it as a 128- or 256-bit integer.
  return withSign(value.toExponential(), value < 0);
}

function quoteBigint(value: bigint): string {
  if (value < int64Min || value > uint64Max) {
    throw invalid("store.quote.out_of_range", "cannot quote a bigint outside Int64..UInt64: 18.16 has no wider integers");
  }
  return withSign(value.toString(), value < 0n);
}

/**
 * A literal for a JavaScript value: strings quoted, finite numbers and Int64/UInt64-range
 * bigints as numbers (negative ones parenthesized), booleans as `1`/`0` (UInt8: 18.16 has
 * no Bool), null as `NULL`. Anything else is rejected with kind "invalid".
 */
export function quoteValue(value: QuotableValue): string {
  if (value === null) return "NULL";
  switch (typeof value) {
    case "string":
      return quoteString(value);
    case "number":
      return quoteNumber(value);
    case "bigint":
      return quoteBigint(value);
    case "boolean":
      return value ? "1" : "0";
    default:
      throw invalid("store.quote.unsupported_type", `cannot quote a value of type ${typeof value}`);
  }
}
