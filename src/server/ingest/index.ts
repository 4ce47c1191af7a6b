/**
 * Ingest decoding and validation: from a request body to validated mutations, per-row errors
 * and quarantine records. Pure functions; the HTTP routes call them, then write the accepted
 * mutations to the WAL.
 *
 * Pipeline: `readBody` (wire limit, streaming gunzip with decoded-size and expansion-ratio
 * caps, gzip trailer check) → one decoder per body form → per-label checkers (valibot schemas
 * compiled from the registry, cached until `lookup.version` changes) → a deterministic id per
 * mutation → `DecodeResult`. The route answers from `elementOk`, reports `rows` that failed,
 * sends `quarantineRecords(result)` to the quarantine sink, writes `records` to the WAL and
 * checks `services` against the caller's tenant (403 for another tenant's label or column).
 *
 * Body forms:
 * - S2Graph JSON arrays, op from the route: `decodeEdgeJson`, `decodeVertexJson`,
 *   `decodeDeleteAllJson` (S2Graph §3.1);
 * - S2Graph bulk TSV, edges and vertices mixed, op per line: `decodeTsv`;
 * - native NDJSON, one edge or vertex object a line, op per line: `decodeNdjson`;
 *   `decodeNative` picks NDJSON or TSV from the Content-Type.
 *
 * Elements, rows and the answer. An element is one array element or one non-empty line. An
 * element yields one row per mutation it fans out to (`froms × tos` for edges, `ids` for
 * vertices and deleteAll, in that order), or a single rejected row when it is refused as a
 * whole (malformed, unknown label, bad timestamp or props). `elementOk[i]` is true iff every
 * row of element i was accepted: that is the boolean S2Graph's answer carries for element i.
 * Accepted rows of a partly refused element are still returned as accepted, so the route
 * decides whether to write them (S2Graph wrote the good edges of an element). Note that
 * S2Graph's Play server answered one boolean per *fanned-out edge*, not per element; a route
 * that wants that shape maps `rows` to `row.ok` instead.
 *
 * Failure model. A whole request fails by throwing `EdgeflowError`: `too_large` (wire
 * bytes, gunzipped bytes, expansion ratio, more than `rowsMax` rows), `invalid` (unknown
 * Content-Encoding `unsupported_encoding`, `corrupt_gzip`, and for JSON array bodies
 * `invalid_utf8`, `too_deep`, `invalid_json`, `not_an_array`). Everything wrong inside one
 * element is a rejected row with a `RowErrorCode`; decoders never throw for a bad element.
 *
 * Limits (defaults in `ingestDefaults`): 16 MiB on the wire, 64 MiB gunzipped, expansion
 * 100× past the first MiB, 100,000 rows a request, JSON depth 32 (checked by a linear scan
 * before `JSON.parse`, so a million-deep value costs one pass and no stack), ids of 249
 * bytes, client ids of 256 bytes, quarantine raw text of 64 KiB.
 *
 * Ids. Every mutation's `id` is the first 128 bits of SHA-256 over its canonical form
 * (`mutation-id.ts`), or `hash(service, client id)` when the element names itself.
 *
 * Speed: `bench/ingest-decode.ts` measures decode + validate of 1,000-row NDJSON batches
 * against `JSON.parse` of the same lines.
 */
import { EdgeflowError } from "../../lib/index.ts";
import { decodeNdjson } from "./ndjson.ts";
import { decodeTsv } from "./tsv.ts";
import type { DecodeOptions, DecodeResult } from "./types.ts";

export { readBody, contentEncodingOf, type BodyLimits } from "./body.ts";
export { decodeEdgeJson, decodeVertexJson, decodeDeleteAllJson, parseJsonArrayBody } from "./s2graph-json.ts";
export { decodeNdjson } from "./ndjson.ts";
export { decodeTsv } from "./tsv.ts";
export { depthExceeds } from "./depth.ts";
export { checkersFor, type Checkers, type LabelChecker, type ColumnChecker, type PropsOutcome } from "./checkers.ts";
export { edgeMutation, vertexMutation, deleteAllMutation, clientMutationId, mutationIdHexLength } from "./mutation-id.ts";
export {
  quarantineRecords, quarantineRecord, encodeQuarantineRecord, decodeQuarantineRecord, truncateUtf8, type QuarantineRecord, type QuarantineOptions,
} from "./quarantine.ts";
export type { VertexRoute } from "./elements.ts";
export {
  ingestDefaults,
  type AcceptedRow,
  type RejectedRow,
  type RowResult,
  type RowErrorCode,
  type DecodeResult,
  type DecodeOptions,
} from "./types.ts";

export type NativeFormat = "ndjson" | "tsv";

/**
 * The native body format named by a Content-Type: NDJSON (`application/x-ndjson`,
 * `application/jsonl`, `application/json-seq`... any `json`) or TSV (`text/tab-separated-values`,
 * `text/tsv`, `text/plain`). Without a Content-Type the body is sniffed: a first non-blank
 * `{` means NDJSON. Anything else is `invalid` (`unsupported_media_type`).
 */
export function nativeFormatOf(contentType: string | null, body: Uint8Array | string): NativeFormat {
  if (contentType === null || contentType.trim() === "") {
    const first = typeof body === "string" ? body.trimStart().charCodeAt(0) : firstNonBlankByte(body);
    return first === 0x7b ? "ndjson" : "tsv";
  }
  const type = (contentType.split(";")[0] ?? "").trim().toLowerCase();
  if (type.includes("json")) return "ndjson";
  if (type === "text/tab-separated-values" || type === "text/tsv" || type === "text/plain") return "tsv";
  throw new EdgeflowError("invalid", "unsupported_media_type", `Content-Type ${JSON.stringify(contentType)} is not NDJSON or TSV`, { status: 415, contentType });
}

function firstNonBlankByte(body: Uint8Array): number | undefined {
  const start = body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf ? 3 : 0; // a UTF-8 BOM
  for (let i = start; i < body.length; i++) {
    const b = body[i] as number;
    if (b !== 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) return b;
  }
  return undefined;
}

/** Decodes a native `/v1/mutate` body in the given format. */
export function decodeNative(body: Uint8Array | string, format: NativeFormat, opts: DecodeOptions): DecodeResult {
  return format === "ndjson" ? decodeNdjson(body, opts) : decodeTsv(body, opts);
}

