/**
 * Mutations and quarantine records to insert rows, in JSONEachRow or TSV (the column orders of
 * schema.ts). Both encoders produce the same stored values; tests round-trip both on both
 * engines.
 *
 * Values: ids and prop values are stored as text. Numbers use JavaScript's shortest form
 * (`String(n)`; a `long` past 2^53 is already a decimal string), booleans `true`/`false`.
 * A mutation whose shape cannot be stored (unknown op, bad timestamp, non-finite number) throws
 * "invalid", so the sink isolates it and quarantines it instead of retrying forever.
 */
import { createHash } from "node:crypto";
import { EdgeflowError, type Mutation, type PropValue, type SchemaLookup } from "../../lib/index.ts";
import { orderKey } from "./order-key.ts";
import type { GraphQuarantineRecord, GraphSinkRow } from "./types.ts";

/** One `mutations` row, as the columns of schema.ts (`mutationColumns`). */
export interface MutationRow {
  id: string;
  seq: number;
  kind: string;
  op: string;
  ts: number;
  okey: string;
  service: string;
  label: string;
  label_id: number;
  consistency: string;
  column_name: string;
  from_id: string;
  to_id: string;
  direction: string;
  prop_keys: string[];
  prop_values: string[];
  joined_keys: string[];
  joined_values: string[];
  received_ms: number;
}

export interface QuarantineRowValues {
  row_id: string;
  token: string;
  received_ms: number;
  service: string;
  code: string;
  message: string;
  line: number | null;
  idx: number;
  raw_text: string;
  raw_bytes: number;
  raw_truncated: number;
  written_ms: number;
}

function invalid(code: string, message: string, detail: Record<string, unknown> = {}): EdgeflowError {
  return new EdgeflowError("invalid", code, message, detail);
}

/** A prop value or vertex id as stored text. */
export function valueText(value: PropValue): string {
  switch (typeof value) {
    case "string":
      return value;
    case "boolean":
      return value ? "true" : "false";
    case "number":
      if (!Number.isFinite(value)) throw invalid("graph.bad_value", `cannot store the non-finite number ${value}`);
      // -0 is 0: the text must compare equal to what the registry would parse.
      return Object.is(value, -0) ? "0" : String(value);
    default:
      throw invalid("graph.bad_value", `cannot store a value of type ${typeof value}`);
  }
}

function propArrays(props: Record<string, PropValue>): { keys: string[]; values: string[] } {
  const keys: string[] = [];
  const values: string[] = [];
  for (const key of Object.keys(props)) {
    const value = props[key];
    if (value === undefined) continue;
    keys.push(key);
    values.push(valueText(value));
  }
  return { keys, values };
}

/**
 * The `mutations` row of one sink row; the label is resolved through the registry now. Each
 * kind's row is one object literal in column order: built from spread parts, a decoded `view`
 * row of the bench workload took ~0.9 us to make, as a literal ~0.7 (bench/store-e2e.ts times
 * the encode apart from the write).
 */
export function mutationRow(row: GraphSinkRow, schema: Pick<SchemaLookup, "label">, receivedMs: number): MutationRow {
  const m: Mutation = row.mutation;
  if (typeof m?.id !== "string" || m.id.length === 0) throw invalid("graph.bad_mutation", "a mutation needs a non-empty id");
  const okey = orderKey(m);
  if (m.kind === "vertex") {
    const props = propArrays(m.props ?? {});
    return {
      id: m.id, seq: row.seq, kind: m.kind, op: m.op, ts: m.ts, okey, service: m.service, label: "", label_id: 0, consistency: "",
      column_name: m.column, from_id: valueText(m.vertexId), to_id: "", direction: "", prop_keys: props.keys, prop_values: props.values,
      joined_keys: [], joined_values: [], received_ms: receivedMs,
    };
  }
  if (m.kind !== "edge") throw invalid("graph.bad_mutation", `unknown mutation kind ${JSON.stringify((m as { kind: unknown }).kind)}`);
  const def = schema.label(m.label);
  const labelId = def?.id ?? 0;
  const consistency = def?.consistencyLevel ?? "";
  if (m.op === "deleteAll") {
    if (m.direction !== "out" && m.direction !== "in") throw invalid("graph.bad_mutation", `deleteAll direction must be out or in`);
    return {
      id: m.id, seq: row.seq, kind: m.kind, op: m.op, ts: m.ts, okey, service: m.service, label: m.label, label_id: labelId, consistency,
      column_name: "", from_id: valueText(m.from), to_id: "", direction: m.direction, prop_keys: [], prop_values: [],
      joined_keys: [], joined_values: [], received_ms: receivedMs,
    };
  }
  const props = propArrays(m.props ?? {});
  return {
    id: m.id, seq: row.seq, kind: m.kind, op: m.op, ts: m.ts, okey, service: m.service, label: m.label, label_id: labelId, consistency,
    column_name: "", from_id: valueText(m.from), to_id: valueText(m.to), direction: "out", prop_keys: props.keys, prop_values: props.values,
    joined_keys: [], joined_values: [], received_ms: receivedMs,
  };
}

/**
 * A quarantine row. Its id is a hash of the record's content: the sink retries a batch with the
 * same records (and splits it on refusal), so content is the one thing every copy shares. Two
 * records identical in every field, the arrival millisecond included, are kept once.
 */
export function quarantineRow(record: GraphQuarantineRecord, token: string, writtenMs: number): QuarantineRowValues {
  const rowId = createHash("sha256")
    .update(JSON.stringify([record.receivedAtMs, record.service ?? "", record.code, record.message, record.line ?? null, record.index, record.rawText]))
    .digest("hex")
    .slice(0, 32);
  return {
    row_id: rowId,
    token,
    received_ms: record.receivedAtMs,
    service: record.service ?? "",
    code: String(record.code),
    message: record.message,
    line: record.line ?? null,
    idx: record.index,
    raw_text: record.rawText,
    raw_bytes: record.rawBytes,
    raw_truncated: record.rawTruncated ? 1 : 0,
    written_ms: writtenMs,
  };
}

/** JSONEachRow: one JSON object a line. */
export function jsonEachRow(rows: readonly object[]): string {
  let out = "";
  for (const row of rows) out += `${JSON.stringify(row)}\n`;
  return out;
}

const tsvEscapes = /[\\\t\n\r\0]/g;
const tsvEscapeMap: Record<string, string> = { "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r", "\0": "\\0" };
const arrayElementEscapes = /[\\'\x00-\x1f\x7f]/g;

function escapeArrayElement(character: string): string {
  if (character === "\\") return "\\\\";
  if (character === "'") return "\\'";
  return `\\x${character.charCodeAt(0).toString(16).padStart(2, "0")}`;
}

function tsvField(value: unknown): string {
  if (value === null) return "\\N";
  if (typeof value === "number") return String(value);
  if (typeof value === "string") return value.replace(tsvEscapes, (c) => tsvEscapeMap[c] ?? c);
  if (Array.isArray(value)) {
    // Array elements are quoted literals; their escapes leave no raw tab or newline in the field.
    return `[${value.map((v) => `'${String(v).replace(arrayElementEscapes, escapeArrayElement)}'`).join(",")}]`;
  }
  throw invalid("graph.bad_value", `cannot encode a ${typeof value} as TSV`);
}

/** TabSeparated in the given column order. */
export function tsv(rows: readonly object[], columns: readonly string[]): string {
  let out = "";
  for (const row of rows) {
    const record = row as Record<string, unknown>;
    out += `${columns.map((column) => tsvField(record[column])).join("\t")}\n`;
  }
  return out;
}
