/**
 * The log's expected failures, as `EdgeflowError`s with stable codes. `src/server` maps kinds to
 * HTTP statuses; the codes let a client or an operator tell the cases apart.
 */
import { EdgeflowError } from "../lib/index.ts";

/** A full queue drains within milliseconds; a second is a polite, conservative hint. */
const QUEUE_FULL_RETRY_AFTER_SECONDS = 1;
/** A full disk frees only when the sink catches up and checkpoints, which takes longer. */
export const DISK_FULL_RETRY_AFTER_SECONDS = 5;

export function queueFullError(queuedBytes: number, queueBytesMax: number): EdgeflowError {
  return new EdgeflowError(
    "overloaded",
    "wal_queue_full",
    `write-ahead log queue is full (${queuedBytes} of ${queueBytesMax} bytes waiting to be written)`,
    { retryAfterSeconds: QUEUE_FULL_RETRY_AFTER_SECONDS, queuedBytes, queueBytesMax },
  );
}

export function diskFullError(reason: string, detail: Record<string, unknown> = {}): EdgeflowError {
  return new EdgeflowError("unavailable", "wal_disk_full", `write-ahead log refuses writes: ${reason}`, {
    retryAfterSeconds: DISK_FULL_RETRY_AFTER_SECONDS,
    ...detail,
  });
}

export function failedError(reason: string): EdgeflowError {
  return new EdgeflowError(
    "unavailable",
    "wal_failed",
    `write-ahead log failed and refuses writes until restarted: ${reason}`,
    { reason },
  );
}

export function closedError(): EdgeflowError {
  return new EdgeflowError("unavailable", "wal_closed", "write-ahead log is closed");
}

export function corruptError(message: string, detail: Record<string, unknown>): EdgeflowError {
  return new EdgeflowError("corrupt", "wal_corrupt", message, detail);
}

export function tooLargeError(message: string, detail: Record<string, unknown>): EdgeflowError {
  return new EdgeflowError("too_large", "wal_append_too_large", message, detail);
}

export function invalidError(code: string, message: string, detail: Record<string, unknown> = {}): EdgeflowError {
  return new EdgeflowError("invalid", code, message, detail);
}

export function ioError(code: string, message: string, cause: unknown): EdgeflowError {
  return new EdgeflowError("io", code, message, {}, { cause });
}
