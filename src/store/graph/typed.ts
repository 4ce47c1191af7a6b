/**
 * Types props and ids per the registry: SQL types and default literals for the queries and the
 * analyst views, and the JavaScript values of query results.
 *
 * Two sets of SQL types:
 * - "analyst" (the `label_<name>` views): the exact type of each data type, Int64/Int32/Int16/
 *   Int8, Float32/Float64, UInt8 for boolean (18.16 has no Bool), String;
 * - "read" (edges/vertices): Int64 for every integer type and Float64 for both float types, so
 *   that a `float` prop read back is the very number that was written (Float32 would turn 0.1
 *   into 0.10000000149011612), and `where` predicates compare in the widest type.
 *
 * Results: Int64 arrives as a decimal string (the store quotes 64-bit integers on both engines)
 * and becomes a number when it is a safe integer, else stays a string, as src/lib does for longs.
 */
import { EdgeflowError, type DataType, type Direction, type LabelDef, type PropDef, type PropValue } from "../../lib/index.ts";
import { quoteString } from "../quote.ts";
import { valueText } from "./encode.ts";

export type TypeMode = "read" | "analyst";

const integerTypes: ReadonlySet<DataType> = new Set<DataType>(["long", "integer", "short", "byte"]);
const floatTypes: ReadonlySet<DataType> = new Set<DataType>(["float", "double"]);

const analystTypes: Record<DataType, string> = {
  long: "Int64", integer: "Int32", short: "Int16", byte: "Int8",
  float: "Float32", double: "Float64", boolean: "UInt8", string: "String",
};

/** An "in" read of a directed label queries the edges' targets; every other read queries their sources. */
export function queriesTargets(label: LabelDef, direction: Direction): boolean {
  return direction === "in" && label.isDirected;
}

/** The column types of a read's ends: the queried vertex's and the other end's. */
export function endTypes(label: LabelDef, direction: Direction): { queried: DataType; other: DataType } {
  return queriesTargets(label, direction)
    ? { queried: label.tgtColumnType, other: label.srcColumnType }
    : { queried: label.srcColumnType, other: label.tgtColumnType };
}

export function isIntegerType(dataType: DataType): boolean {
  return integerTypes.has(dataType);
}

export function isNumericType(dataType: DataType): boolean {
  return integerTypes.has(dataType) || floatTypes.has(dataType);
}

/** The SQL type of a prop (or an id) of `dataType`. */
export function sqlType(dataType: DataType, mode: TypeMode): string {
  if (mode === "analyst") return analystTypes[dataType];
  if (integerTypes.has(dataType)) return "Int64";
  if (floatTypes.has(dataType)) return "Float64";
  return analystTypes[dataType];
}

/** The widest computing type: where values are parsed and increments summed. */
function wideType(dataType: DataType): "Int64" | "Float64" | "UInt8" | "String" {
  if (integerTypes.has(dataType)) return "Int64";
  if (floatTypes.has(dataType)) return "Float64";
  return dataType === "boolean" ? "UInt8" : "String";
}

/** Narrows a wide expression to the mode's type (a no-op in "read" mode). */
export function narrow(expression: string, dataType: DataType, mode: TypeMode): string {
  const target = sqlType(dataType, mode);
  return target === wideType(dataType) ? expression : `to${target}(${expression})`;
}

/** A stored text value (a String expression) as its wide SQL type; empty text is 0 for numbers. */
export function parseText(textExpression: string, dataType: DataType): string {
  switch (wideType(dataType)) {
    case "Int64":
      return `toInt64OrZero(${textExpression})`;
    case "Float64":
      return `toFloat64OrZero(${textExpression})`;
    case "UInt8":
      return `toUInt8(${textExpression} = 'true')`;
    default:
      return textExpression;
  }
}

/** The prop's default as a literal of its wide SQL type. */
export function defaultLiteral(prop: PropDef): string {
  const text = valueText(prop.defaultValue);
  switch (wideType(prop.dataType)) {
    case "Int64":
      return `toInt64(${quoteString(text)})`;
    case "Float64":
      return `toFloat64(${quoteString(text)})`;
    case "UInt8":
      return `toUInt8(${prop.defaultValue === true || text === "true" ? 1 : 0})`;
    default:
      return quoteString(text);
  }
}

/** An integer in decimal text (or a number) as a number when safe, else as its text. */
function integerValue(value: unknown): PropValue {
  const text = typeof value === "number" ? String(value) : String(value);
  const asNumber = Number(text);
  return Number.isSafeInteger(asNumber) ? asNumber : text;
}

/** A query result value (a column of `sqlType(dataType, ...)`) as the registry's JavaScript value. */
export function resultValue(value: unknown, dataType: DataType): PropValue {
  if (integerTypes.has(dataType)) return integerValue(value);
  if (floatTypes.has(dataType)) {
    const asNumber = typeof value === "number" ? value : Number(value);
    if (!Number.isFinite(asNumber)) throw new EdgeflowError("io", "graph.bad_result", `expected a number, got ${JSON.stringify(value)}`);
    return asNumber;
  }
  if (dataType === "boolean") return value === 1 || value === "1" || value === true;
  return String(value);
}

/** A stored id (text) as a vertex id of `columnType`. */
export function idValue(text: string, columnType: DataType): PropValue {
  if (integerTypes.has(columnType)) return integerValue(text);
  if (floatTypes.has(columnType)) return Number(text);
  if (columnType === "boolean") return text === "true";
  return text;
}

/** A vertex id as the text it is stored as (for `IN (...)` lists). */
export function idText(id: PropValue): string {
  return valueText(id);
}

const int64Min = -(2n ** 63n);
const int64Max = 2n ** 63n - 1n;

/**
 * A stored text value as the registry's JavaScript value, as `parseText` then `resultValue`
 * give it in SQL (`toInt64OrZero`, `toFloat64OrZero`, `= 'true'`); an absent value is the
 * prop's default, as `defaultLiteral`. For reads that type props here rather than in SQL. The
 * texts edgeflow stores (validated values, `valueText`) type the same on both engines and here;
 * texts it never writes can differ between the engines themselves (an integer past Int64 is 0
 * on 26.x and wraps on 18.16, a leading `+` is read by 26.x and not by 18.16; here as 26.x).
 */
export function storedValue(text: string | undefined, prop: PropDef): PropValue {
  if (text === undefined) {
    if (prop.dataType === "boolean") return prop.defaultValue === true || valueText(prop.defaultValue) === "true";
    return storedValue(valueText(prop.defaultValue), prop);
  }
  if (integerTypes.has(prop.dataType)) {
    if (!/^[+-]?\d+$/.test(text)) return 0;
    const wide = BigInt(text);
    return wide < int64Min || wide > int64Max ? 0 : integerValue(wide.toString());
  }
  if (floatTypes.has(prop.dataType)) {
    if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return 0;
    const asNumber = Number(text);
    return Number.isFinite(asNumber) ? asNumber : 0;
  }
  if (prop.dataType === "boolean") return text === "true";
  return text;
}
