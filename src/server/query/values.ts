/**
 * Typed values of the query language: how a literal is read for a prop's data type, and how two
 * values compare. Shared by the where evaluator, intervals and ordering, so the SQL executor and
 * the reference functions agree on one meaning.
 *
 * Comparisons are by type family, as S2Graph's `InnerVal` compares: numbers numerically (a
 * `long` beyond 2^53 is carried as a decimal string and compared exactly), strings by UTF-16
 * code units (Java's `String.compareTo`), booleans false < true. Values of different families
 * are never equal and never ordered.
 */
import { coerceValue, type DataType, type PropValue } from "../../lib/index.ts";

export type Family = "number" | "string" | "boolean";

export function familyOf(dataType: DataType): Family {
  if (dataType === "string") return "string";
  if (dataType === "boolean") return "boolean";
  return "number";
}

const numberText = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;
const integerText = /^\s*-?\d+\s*$/;

/**
 * Reads a literal for a data type, or `undefined` when it does not fit. Numeric types take any
 * finite number (a comparison with 2.5 is meaningful for an integer prop, and S2Graph's test
 * compares a long id with -0.1); integers stay exact through `coerceValue`. Booleans take
 * true/false in any case (Scala's `toBoolean`); strings take the text as written.
 */
export function typedLiteral(value: string | number | boolean, dataType: DataType): PropValue | undefined {
  const family = familyOf(dataType);
  if (family === "string") {
    return coerceValue(value, "string");
  }
  if (family === "boolean") {
    if (typeof value === "boolean") return value;
    if (typeof value === "string" && /^(true|false)$/i.test(value.trim())) return value.trim().toLowerCase() === "true";
    return undefined;
  }
  if (typeof value === "boolean") return undefined;
  // Numbers go through their text, so a JSON number and the same digits in a where text agree.
  const text = typeof value === "number" ? String(value) : value;
  if (!numberText.test(text)) return undefined;
  const exact = coerceValue(text, dataType);
  if (exact !== undefined && typeof exact !== "boolean") return normalizeZero(exact);
  const n = Number(text.trim());
  return Number.isFinite(n) ? normalizeZero(n) : undefined;
}

function normalizeZero(value: PropValue): PropValue {
  return value === 0 ? 0 : value;
}

function isIntegral(value: PropValue): boolean {
  if (typeof value === "number") return Number.isSafeInteger(value);
  return typeof value === "string" && integerText.test(value);
}

function compareNumbers(a: PropValue, b: PropValue): number | undefined {
  if (typeof a === "number" && typeof b === "number") return a < b ? -1 : a > b ? 1 : a === b ? 0 : undefined;
  if (typeof a === "boolean" || typeof b === "boolean") return undefined;
  if (isIntegral(a) && isIntegral(b)) {
    const x = BigInt(typeof a === "string" ? a.trim() : a);
    const y = BigInt(typeof b === "string" ? b.trim() : b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  const x = typeof a === "number" ? a : numberText.test(a) ? Number(a) : Number.NaN;
  const y = typeof b === "number" ? b : numberText.test(b) ? Number(b) : Number.NaN;
  if (Number.isNaN(x) || Number.isNaN(y)) return undefined;
  return x < y ? -1 : x > y ? 1 : 0;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Orders two values of the given data types; `undefined` when they cannot be compared. */
export function compareTyped(a: PropValue | undefined, aType: DataType, b: PropValue | undefined, bType: DataType): number | undefined {
  if (a === undefined || b === undefined) return undefined;
  const family = familyOf(aType);
  if (family !== familyOf(bType)) return undefined;
  if (family === "number") return compareNumbers(a, b);
  if (family === "string") return compareStrings(String(a), String(b));
  if (typeof a !== "boolean" || typeof b !== "boolean") return undefined;
  return Number(a) - Number(b);
}

/**
 * Orders two values whose types are not known (order-by and group-by keys of mixed labels):
 * numbers numerically, strings by code units, booleans false < true, and across kinds
 * missing < boolean < number < string. S2Graph throws on mixed kinds; a total order is kinder.
 * (A `long` beyond 2^53 arrives as a decimal string and so sorts among strings here.)
 */
export function compareLoose(a: PropValue | undefined, b: PropValue | undefined): number {
  const rank = (v: PropValue | undefined): number => (v === undefined ? 0 : typeof v === "boolean" ? 1 : typeof v === "number" ? 2 : 3);
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  if (a === undefined || b === undefined) return 0;
  if (ra === 2) return compareNumbers(a, b) ?? 0;
  if (ra === 1) return Number(a) - Number(b);
  return compareStrings(String(a), String(b));
}

/** A key that is equal for equal values of one kind; `1` and `"1"` stay distinct, as in S2Graph. */
export function valueKey(values: ReadonlyArray<PropValue | undefined>): string {
  return JSON.stringify(values.map((v) => (v === undefined ? null : typeof v === "string" ? `s${v}` : v)));
}
