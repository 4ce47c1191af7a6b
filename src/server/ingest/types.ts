/**
 * The shapes every decoder shares: per-row results, the decode options and the default limits.
 */
import type { Mutation, SchemaLookup } from "../../lib/index.ts";

/** Why one row (or one element of a batch) was refused. Stable: clients and the quarantine table key on it. */
export type RowErrorCode =
  | "invalid_utf8" // the line is not valid UTF-8
  | "invalid_json" // the line (or a TSV props field) does not parse as JSON
  | "too_deep" // JSON nested deeper than `depthMax`
  | "invalid_element" // not an object, or a required field is missing or of the wrong kind
  | "invalid_tsv" // too few tab-separated fields
  | "unknown_kind" // neither an edge nor a vertex
  | "unsupported_op" // an op edgeflow does not take for this kind (e.g. `incrementCount`, vertex `increment`)
  | "unknown_label"
  | "unknown_column" // unknown service or service column (vertices)
  | "invalid_timestamp" // missing, negative, fractional or not a number
  | "invalid_direction"
  | "missing_from"
  | "missing_to"
  | "missing_id"
  | "invalid_id" // an id that does not fit its column type
  | "id_too_long" // an id longer than 249 UTF-8 bytes
  | "invalid_client_id" // the optional client-given mutation id is not a short string or an integer
  | "invalid_props" // props is not an object
  | "invalid_prop_type" // a prop value that does not fit its data type (or a non-numeric prop in an increment)
  | "unknown_prop"; // a prop the label or column does not define (when the label rejects extra props)

export interface AcceptedRow {
  ok: true;
  /** The element this row came from: from 0, in body order (array element, or non-empty line). */
  index: number;
  /** The physical line number, from 1, for line formats (NDJSON, TSV); undefined for JSON arrays. */
  line: number | undefined;
  mutation: Mutation;
  /** The tenant the row belongs to (the label's `serviceName`, or the vertex's service). */
  service: string;
}

export interface RejectedRow {
  ok: false;
  index: number;
  line: number | undefined;
  code: RowErrorCode;
  message: string;
  /** The element's own text: the line, or the array element re-serialised. Not truncated here. */
  raw: string;
  /** The tenant the row would have touched, when the decoder got far enough to know it. */
  service: string | undefined;
}

export type RowResult = AcceptedRow | RejectedRow;

export interface DecodeResult {
  /**
   * Rows in body order. One element yields one row per fan-out pair (`froms × tos`, `ids`), in
   * that order; an element refused as a whole (unknown label, bad timestamp, bad props) yields a
   * single rejected row.
   */
  rows: RowResult[];
  /** The accepted rows' WAL records, in order: each mutation's JSON, id first (see mutation-id.ts). */
  records: Uint8Array[];
  /** Every service the decode touches (accepted rows, and refused rows whose service is known), sorted. */
  services: string[];
  /** One verdict per element, in order: true iff every row of that element was accepted. */
  elementOk: boolean[];
  acceptedCount: number;
  rejectedCount: number;
}

export interface DecodeOptions {
  /** The registry. Pass the same long-lived object on every call: compiled checkers are cached on it. */
  lookup: SchemaLookup;
  /**
   * When the request arrived (ms). S2Graph's vertex and deleteAll bodies may leave out the
   * timestamp, and S2Graph then uses the current time; this is that time, passed in so
   * decoding stays deterministic.
   */
  receivedAtMs: number;
  /** Rows (after fan-out) a request may carry; more is `too_large`. */
  rowsMax?: number;
  /** JSON nesting depth a value may reach (the top-level object or array is depth 1). */
  depthMax?: number;
}

export const ingestDefaults = {
  /** Bytes read off the wire before the request is refused (413). */
  wireBytesMax: 16 * 1024 * 1024,
  /** Bytes after gunzip before the request is refused (413). */
  decodedBytesMax: 64 * 1024 * 1024,
  /** Decoded bytes per wire byte a gzip body may reach once past `expansionFloorBytes`. */
  expansionRatioMax: 100,
  /** Below this many decoded bytes the expansion ratio is not checked: short bodies compress well. */
  expansionFloorBytes: 1024 * 1024,
  rowsMax: 100_000,
  depthMax: 32,
  /** Raw text kept per quarantine record. */
  quarantineRawBytesMax: 64 * 1024,
} as const;
