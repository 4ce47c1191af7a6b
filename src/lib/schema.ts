/**
 * The S2Graph data model: services, service columns, labels, their props and indices, and the
 * rules a definition must obey before the registry will keep it.
 *
 * Everything here is plain data and pure functions, so every module can share the one model.
 * Values are checked against S2Graph's data types (string, long, integer, short, byte, float,
 * double, boolean, plus S2Graph's aliases such as `int64` or `bool`) and normalised to one
 * JSON form: numbers for the numeric types (a `long` outside the safe integer range stays a
 * decimal string, so no digit is ever lost), booleans, and strings.
 */
import { EdgeflowError } from "./errors.ts";

export const dataTypes = ["string", "long", "integer", "short", "byte", "float", "double", "boolean"] as const;
export type DataType = (typeof dataTypes)[number];

/** S2Graph's aliases for its data types (`InnerValLike.toInnerDataType`). */
const dataTypeAliases: Record<string, DataType> = {
  string: "string", str: "string", s: "string",
  double: "double", d: "double", float64: "double",
  float: "float", f: "float", float32: "float",
  long: "long", l: "long", int64: "long", integer64: "long",
  integer: "integer", int: "integer", i: "integer", int32: "integer", integer32: "integer",
  short: "short", int16: "short", integer16: "short",
  byte: "byte", b: "byte", tinyint: "byte", int8: "byte", integer8: "byte",
  boolean: "boolean", bool: "boolean",
};

export type PropValue = string | number | boolean;

export interface PropDef {
  name: string;
  dataType: DataType;
  defaultValue: PropValue;
}

export interface IndexDef {
  name: string;
  propNames: string[];
}

export interface ServiceDef {
  id: number;
  serviceName: string;
  /** SHA-256 of the service's access token, hex; the token itself is never stored. */
  accessTokenHash: string;
  createdAtMs: number;
}

export interface ColumnDef {
  serviceName: string;
  columnName: string;
  columnType: DataType;
  props: PropDef[];
}

export type ConsistencyLevel = "weak" | "strong";

/** What to do with props a mutation carries that the label does not define. */
export type ExtraPropsPolicy = "reject" | "drop";

export interface LabelDef {
  id: number;
  label: string;
  srcServiceName: string;
  srcColumnName: string;
  srcColumnType: DataType;
  tgtServiceName: string;
  tgtColumnName: string;
  tgtColumnType: DataType;
  serviceName: string;
  isDirected: boolean;
  consistencyLevel: ConsistencyLevel;
  props: PropDef[];
  indices: IndexDef[];
  extraProps: ExtraPropsPolicy;
  createdAtMs: number;
  /** Bumped on every change, so caches (validators, DDL) can tell a definition changed. */
  version: number;
  /**
   * Ids of the deleted labels that had this name (deleteLabelReally, then createLabel). Their
   * rows stay stored under the name, so reads of this label skip them by `label_id`; with none
   * (`[]`) there is nothing to skip, which saves a read ~0.3 ms. Absent when the registry cannot
   * tell (a definition or a registry from before the record): reads always skip by id. Reads
   * look only at whether there are some; a registry from before the record lists only the
   * labels deleted since.
   */
  formerIds?: number[];
}

/** Names S2Graph reserves for system props, with and without the leading underscore (`LabelMeta.reservedMetas`). */
const reservedPropNames = new Set([
  "_empty", "empty", "label", "_label", "direction", "_direction", "_lastDeletedAt", "lastDeletedAt",
  "_from", "from", "_from_hash", "from_hash", "_to", "to", "_degree", "degree", "_timestamp", "timestamp",
  "_count", "count", "_parent", "parent", "_score", "score", "_id", "id", "_op", "op", "props",
]);

const namePattern = /^[A-Za-z0-9_]{1,64}$/;

/** S2Graph stores ids and string values of at most 249 bytes. */
export const idBytesMax = 249;

/** A string prop value longer than this is refused: one row must never dominate a batch. */
export const stringPropBytesMax = 65_536;

export function checkName(what: string, name: unknown): string {
  if (typeof name !== "string" || !namePattern.test(name)) {
    throw new EdgeflowError("invalid", "invalid_name", `${what} must match [A-Za-z0-9_]{1,64}, got ${JSON.stringify(name)}`, { field: what });
  }
  return name;
}

export function parseDataType(value: unknown, field = "dataType"): DataType {
  const dataType = typeof value === "string" ? dataTypeAliases[value.toLowerCase()] : undefined;
  if (!dataType) {
    throw new EdgeflowError("invalid", "invalid_data_type", `${field} must be one of ${dataTypes.join(", ")}, got ${JSON.stringify(value)}`, { field });
  }
  return dataType;
}

/** Names of Object.prototype members: a prop called `constructor` is a trap for every plain-object lookup. */
const prototypeNames = new Set(Object.getOwnPropertyNames(Object.prototype));

export function isReservedPropName(name: string): boolean {
  return reservedPropNames.has(name) || name.startsWith("_") || prototypeNames.has(name);
}

export function checkPropName(name: unknown): string {
  const checked = checkName("prop name", name);
  if (isReservedPropName(checked)) {
    throw new EdgeflowError("invalid", "reserved_prop_name", `prop name ${JSON.stringify(checked)} is reserved by the graph model`, { field: "name" });
  }
  return checked;
}

const integerRanges: Record<"long" | "integer" | "short" | "byte", [bigint, bigint]> = {
  long: [-(2n ** 63n), 2n ** 63n - 1n],
  integer: [-(2n ** 31n), 2n ** 31n - 1n],
  short: [-(2n ** 15n), 2n ** 15n - 1n],
  byte: [-128n, 127n],
};

const integerText = /^-?\d{1,20}$/;
const numberText = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

const safeRanges: Record<"long" | "integer" | "short" | "byte", [number, number]> = {
  long: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  integer: [-(2 ** 31), 2 ** 31 - 1],
  short: [-(2 ** 15), 2 ** 15 - 1],
  byte: [-128, 127],
};

function coerceInteger(value: unknown, dataType: "long" | "integer" | "short" | "byte"): PropValue | undefined {
  // The hot path: a safe integer needs no BigInt.
  if (typeof value === "number" && Number.isSafeInteger(value)) {
    const [min, max] = safeRanges[dataType];
    return value >= min && value <= max ? value : undefined;
  }
  let big: bigint;
  if (typeof value === "number") {
    if (!Number.isInteger(value)) return undefined;
    if (!Number.isSafeInteger(value) && dataType === "long") return undefined;
    big = BigInt(value);
  } else if (typeof value === "string" && integerText.test(value.trim())) {
    big = BigInt(value.trim());
  } else if (typeof value === "bigint") {
    big = value;
  } else {
    return undefined;
  }
  const [min, max] = integerRanges[dataType];
  if (big < min || big > max) return undefined;
  const asNumber = Number(big);
  return Number.isSafeInteger(asNumber) ? asNumber : big.toString();
}

function coerceFloat(value: unknown, dataType: "float" | "double"): number | undefined {
  let n: number;
  if (typeof value === "number") n = value;
  else if (typeof value === "string" && numberText.test(value.trim())) n = Number(value.trim());
  else return undefined;
  if (!Number.isFinite(n)) return undefined;
  if (dataType === "float" && Math.abs(n) > 3.4028234663852886e38) return undefined;
  return n;
}

/**
 * Checks a value against a data type and returns its normalised form, or `undefined` when the
 * value does not fit. Strings accept numbers and booleans (S2Graph writes them as text); the
 * numeric types accept numeric strings; booleans accept `"true"`/`"false"`.
 */
export function coerceValue(value: unknown, dataType: DataType): PropValue | undefined {
  switch (dataType) {
    case "string":
      if (typeof value === "string") return Buffer.byteLength(value) <= stringPropBytesMax ? value : undefined;
      if (typeof value === "number" && Number.isFinite(value)) return String(value);
      if (typeof value === "boolean") return String(value);
      return undefined;
    case "boolean":
      if (typeof value === "boolean") return value;
      if (value === "true") return true;
      if (value === "false") return false;
      return undefined;
    case "float":
    case "double":
      return coerceFloat(value, dataType);
    default:
      return coerceInteger(value, dataType);
  }
}

/** The default a prop gets when its definition names none (S2Graph's zero values). */
export function zeroValue(dataType: DataType): PropValue {
  if (dataType === "string") return "";
  if (dataType === "boolean") return false;
  return 0;
}

/** Checks a vertex id against its column type: a string of at most 249 bytes, or an integer in range. */
export function coerceId(value: unknown, columnType: DataType): PropValue | undefined {
  if (columnType === "string") {
    if (typeof value === "number" && Number.isFinite(value)) value = String(value);
    if (typeof value !== "string" || value.length === 0) return undefined;
    return Buffer.byteLength(value) <= idBytesMax ? value : undefined;
  }
  return coerceValue(value, columnType);
}

export function parsePropDef(raw: unknown): PropDef {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new EdgeflowError("invalid", "invalid_prop", "a prop must be an object {name, dataType, defaultValue}");
  }
  const obj = raw as Record<string, unknown>;
  const name = checkPropName(obj.name);
  const dataType = parseDataType(obj.dataType, `props.${name}.dataType`);
  let defaultValue = zeroValue(dataType);
  if (obj.defaultValue !== undefined && obj.defaultValue !== null) {
    const coerced = coerceValue(obj.defaultValue, dataType);
    if (coerced === undefined) {
      throw new EdgeflowError("invalid", "invalid_default", `defaultValue ${JSON.stringify(obj.defaultValue)} of prop ${name} does not fit its type ${dataType}`, { field: `props.${name}.defaultValue` });
    }
    defaultValue = coerced;
  }
  return { name, dataType, defaultValue };
}

export function parsePropDefs(raw: unknown): PropDef[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw new EdgeflowError("invalid", "invalid_props", "props must be an array");
  const props = raw.map(parsePropDef);
  const seen = new Set<string>();
  for (const p of props) {
    if (seen.has(p.name)) throw new EdgeflowError("invalid", "duplicate_prop", `prop ${p.name} is defined twice`);
    seen.add(p.name);
  }
  return props;
}

/** S2Graph allows at most seven indices a label (`LabelIndex.MaxOrderSeq`). */
export const indicesPerLabelMax = 7;

export function parseIndexDefs(raw: unknown, props: readonly PropDef[]): IndexDef[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw new EdgeflowError("invalid", "invalid_indices", "indices must be an array");
  const known = new Set(["_timestamp", "_from", "_to", ...props.map((p) => p.name)]);
  const indices = raw.map((entry): IndexDef => {
    if (typeof entry !== "object" || entry === null) throw new EdgeflowError("invalid", "invalid_index", "an index must be an object {name, propNames}");
    const obj = entry as Record<string, unknown>;
    const name = checkName("index name", obj.name);
    if (!Array.isArray(obj.propNames) || obj.propNames.length === 0) {
      throw new EdgeflowError("invalid", "invalid_index", `index ${name} needs a non-empty propNames array`);
    }
    const propNames = obj.propNames.map((p) => {
      if (typeof p !== "string" || !known.has(p)) {
        throw new EdgeflowError("invalid", "unknown_prop", `index ${name} names prop ${JSON.stringify(p)}, which the label does not define`);
      }
      return p;
    });
    return { name, propNames };
  });
  const names = new Set<string>();
  for (const idx of indices) {
    if (names.has(idx.name)) throw new EdgeflowError("invalid", "duplicate_index", `index ${idx.name} is defined twice`);
    names.add(idx.name);
  }
  if (indices.length > indicesPerLabelMax) {
    throw new EdgeflowError("invalid", "too_many_indices", `a label may have at most ${indicesPerLabelMax} indices`);
  }
  return indices;
}

/**
 * A read-only view of the registry, which is all that decoding and validation need. `version`
 * grows on every change, so a cache of compiled validators knows when to rebuild.
 */
export interface SchemaLookup {
  readonly version: number;
  service(name: string): ServiceDef | undefined;
  column(serviceName: string, columnName: string): ColumnDef | undefined;
  label(name: string): LabelDef | undefined;
}
