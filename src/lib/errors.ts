/**
 * Expected failures as values with a small fixed set of kinds.
 *
 * Every module below `src/server` reports an expected failure (bad input, disk full, CRC
 * mismatch, ClickHouse unavailable) as an `EdgeflowError` with one of the kinds below and a
 * stable, machine-readable `code`. Only `src/server` turns a kind into an HTTP status, once,
 * at the edge. Bugs are not `EdgeflowError`s: they fail an assertion and crash.
 */

export const errorKinds = [
  "invalid", // the caller sent something that can never succeed as sent (400)
  "unauthorized", // no credentials, or unknown ones (401)
  "forbidden", // known credentials that may not do this (403)
  "not_found", // a named thing does not exist (404)
  "conflict", // the thing already exists, or the state forbids the change (409)
  "too_large", // a body, row or batch over its limit (413)
  "overloaded", // a queue or quota is full; retry later (429)
  "unavailable", // a dependency is down or the log refuses writes; retry later (503)
  "timeout", // a deadline passed (504)
  "io", // the disk or a dependency failed in a way that is not the caller's fault (500)
  "corrupt", // stored data failed verification (500)
] as const;

export type ErrorKind = (typeof errorKinds)[number];

export interface ErrorDetail {
  /** Seconds after which a retry may succeed (429/503). */
  retryAfterSeconds?: number;
  /** Row or element index (from 1 for lines, from 0 for array elements) the error is about. */
  line?: number;
  /** Free-form structured context, safe to show to the caller. */
  [key: string]: unknown;
}

export class EdgeflowError extends Error {
  readonly kind: ErrorKind;
  readonly code: string;
  readonly detail: ErrorDetail;

  constructor(kind: ErrorKind, code: string, message: string, detail: ErrorDetail = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "EdgeflowError";
    this.kind = kind;
    this.code = code;
    this.detail = detail;
  }
}

export function isEdgeflowError(value: unknown): value is EdgeflowError {
  return value instanceof EdgeflowError;
}

/** An assertion that stays on in production: a failed one is a bug, and the process should crash. */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`assertion failed: ${message}`);
}
