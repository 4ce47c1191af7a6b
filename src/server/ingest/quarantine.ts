/**
 * Quarantine records: what the caller sends to the quarantine sink for every refused row, so
 * bad input never silently disappears.
 *
 * The raw text is kept up to `rawBytesMax` UTF-8 bytes (cut on a character boundary), with
 * `rawTruncated` and the original `rawBytes` saying when it was cut. An element that fans out
 * and fails the same way on several pairs gives one record, not one per pair.
 */
import type { DecodeResult, RowErrorCode } from "./types.ts";
import { ingestDefaults } from "./types.ts";

export interface QuarantineRecord {
  rawText: string;
  /** The raw text's full size in UTF-8 bytes, before any truncation. */
  rawBytes: number;
  rawTruncated: boolean;
  code: RowErrorCode | string;
  message: string;
  /** Line number from 1 (line formats), or undefined for JSON array bodies. */
  line: number | undefined;
  /** Element index from 0. */
  index: number;
  receivedAtMs: number;
  service: string | undefined;
}

export interface QuarantineOptions {
  receivedAtMs: number;
  rawBytesMax?: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A record as the quarantine log keeps it: its JSON, UTF-8. */
export function encodeQuarantineRecord(record: QuarantineRecord): Uint8Array {
  return encoder.encode(JSON.stringify(record));
}

export function decodeQuarantineRecord(bytes: Uint8Array): QuarantineRecord {
  return JSON.parse(decoder.decode(bytes)) as QuarantineRecord;
}

/** Cuts `text` to at most `bytesMax` UTF-8 bytes without splitting a character. */
export function truncateUtf8(text: string, bytesMax: number): { text: string; bytes: number; truncated: boolean } {
  // Every UTF-16 unit is at most 3 UTF-8 bytes, so short strings need no encoding at all.
  if (text.length * 3 <= bytesMax) return { text, bytes: Buffer.byteLength(text), truncated: false };
  const bytes = Buffer.byteLength(text);
  if (bytes <= bytesMax) return { text, bytes, truncated: false };
  const encoded = encoder.encode(text);
  let end = bytesMax;
  while (end > 0 && ((encoded[end] as number) & 0xc0) === 0x80) end--; // back off a continuation byte
  return { text: decoder.decode(encoded.subarray(0, end)), bytes, truncated: true };
}

/** One quarantine record for an arbitrary refused input (e.g. a whole body refused as `invalid`). */
export function quarantineRecord(raw: string, code: string, message: string, where: { line?: number; index?: number; service?: string }, opts: QuarantineOptions): QuarantineRecord {
  const cut = truncateUtf8(raw, opts.rawBytesMax ?? ingestDefaults.quarantineRawBytesMax);
  return {
    rawText: cut.text, rawBytes: cut.bytes, rawTruncated: cut.truncated, code, message,
    line: where.line, index: where.index ?? 0, receivedAtMs: opts.receivedAtMs, service: where.service,
  };
}

/** The quarantine records for every refused row of a decode, in order. */
export function quarantineRecords(result: DecodeResult, opts: QuarantineOptions): QuarantineRecord[] {
  const records: QuarantineRecord[] = [];
  let lastIndex = -1;
  let seen = new Set<string>();
  for (const row of result.rows) {
    if (row.ok) continue;
    if (row.index !== lastIndex) {
      lastIndex = row.index;
      seen = new Set();
    }
    const key = `${row.code}\u0000${row.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const where: { line?: number; index: number; service?: string } = { index: row.index };
    if (row.line !== undefined) where.line = row.line;
    if (row.service !== undefined) where.service = row.service;
    records.push(quarantineRecord(row.raw, row.code, row.message, where, opts));
  }
  return records;
}
