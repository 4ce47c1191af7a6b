/**
 * Turns engine and transport failures into `EdgeflowError`s with a fixed kind, so the sink can
 * tell "retry later" (the server is down, busy or slow) from "this will never work" (the SQL or
 * the data is wrong). The ClickHouse exception code is kept in `detail.clickhouseCode`.
 *
 * Both 18.16 (`Code: 62, e.displayText() = DB::Exception: ...`) and 26.x
 * (`Code: 62. DB::Exception: ... (SYNTAX_ERROR)`) start their messages with `Code: N`; that
 * number is what we classify, since 18.16 has no `(NAME)` suffix and sends no
 * `X-ClickHouse-Exception-Code` header.
 */
import { EdgeflowError, type ErrorKind } from "../lib/index.ts";
import type { StoreEngine } from "./types.ts";

export type StoreOperation = "probe" | "ping" | "exec" | "query" | "insert" | "open";

/** Messages are cut to this many characters; ClickHouse echoes whole queries in some. */
const messageLengthMax = 2000;

/** Kinds a caller may retry: the same request can succeed later. */
const retriableKinds: ReadonlySet<ErrorKind> = new Set<ErrorKind>(["unavailable", "timeout", "overloaded"]);

/** Exception codes by kind, with their ClickHouse names (stable across 18.16 and 26.x). */
const codeTable: ReadonlyArray<readonly [ErrorKind, ReadonlyArray<readonly [number, string]>]> = [
  ["invalid", [
    [1, "UNSUPPORTED_METHOD"], [6, "CANNOT_PARSE_TEXT"], [8, "THERE_IS_NO_COLUMN"], [10, "NOT_FOUND_COLUMN_IN_BLOCK"],
    [16, "NO_SUCH_COLUMN_IN_TABLE"], [20, "NUMBER_OF_COLUMNS_DOESNT_MATCH"], [26, "CANNOT_PARSE_QUOTED_STRING"],
    [27, "CANNOT_PARSE_INPUT_ASSERTION_FAILED"], [32, "ATTEMPT_TO_READ_AFTER_EOF"], [33, "CANNOT_READ_ALL_DATA"],
    [36, "BAD_ARGUMENTS"], [38, "CANNOT_PARSE_DATE"], [41, "CANNOT_PARSE_DATETIME"],
    [42, "NUMBER_OF_ARGUMENTS_DOESNT_MATCH"], [43, "ILLEGAL_TYPE_OF_ARGUMENT"], [44, "ILLEGAL_COLUMN"],
    [46, "UNKNOWN_FUNCTION"], [47, "UNKNOWN_IDENTIFIER"], [48, "NOT_IMPLEMENTED"],
    [50, "UNKNOWN_TYPE"], [53, "TYPE_MISMATCH"], [60, "UNKNOWN_TABLE"], [62, "SYNTAX_ERROR"],
    [63, "UNKNOWN_AGGREGATE_FUNCTION"], [69, "ARGUMENT_OUT_OF_BOUND"], [70, "CANNOT_CONVERT_TYPE"],
    [72, "CANNOT_PARSE_NUMBER"], [73, "UNKNOWN_FORMAT"], [80, "INCORRECT_QUERY"], [81, "UNKNOWN_DATABASE"],
    [107, "FILE_DOESNT_EXIST"], [113, "THERE_IS_NO_DEFAULT_VALUE"], [115, "UNKNOWN_SETTING"],
    [117, "INCORRECT_DATA"], [130, "CANNOT_READ_ARRAY_FROM_TEXT"], [131, "TOO_LARGE_STRING_SIZE"],
    [179, "MULTIPLE_EXPRESSIONS_FOR_ALIAS"], [184, "ILLEGAL_AGGREGATION"], [190, "SIZES_OF_ARRAYS_DOESNT_MATCH"],
    [215, "NOT_AN_AGGREGATE"], [321, "VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE"], [352, "AMBIGUOUS_COLUMN_NAME"],
    [386, "NO_COMMON_TYPE"], [395, "FUNCTION_THROW_IF_VALUE_IS_NON_ZERO"], [467, "CANNOT_PARSE_BOOL"],
  ]],
  ["conflict", [[57, "TABLE_ALREADY_EXISTS"], [82, "DATABASE_ALREADY_EXISTS"], [122, "INCOMPATIBLE_COLUMNS"]]],
  ["unauthorized", [[192, "UNKNOWN_USER"], [193, "WRONG_PASSWORD"], [194, "REQUIRED_PASSWORD"], [516, "AUTHENTICATION_FAILED"]]],
  ["forbidden", [[164, "READONLY"], [195, "IP_ADDRESS_NOT_ALLOWED"], [291, "DATABASE_ACCESS_DENIED"], [497, "ACCESS_DENIED"]]],
  ["too_large", [
    [158, "TOO_MANY_ROWS"], [307, "TOO_MANY_BYTES"], [396, "TOO_MANY_ROWS_OR_BYTES"],
  ]],
  ["overloaded", [
    [201, "QUOTA_EXPIRED"], [202, "TOO_MANY_SIMULTANEOUS_QUERIES"], [203, "NO_FREE_CONNECTION"],
    [241, "MEMORY_LIMIT_EXCEEDED"], [252, "TOO_MANY_PARTS"],
  ]],
  ["timeout", [[159, "TIMEOUT_EXCEEDED"], [209, "SOCKET_TIMEOUT"]]],
  ["unavailable", [
    [3, "UNEXPECTED_END_OF_FILE"], [210, "NETWORK_ERROR"], [236, "ABORTED"], [225, "NO_ZOOKEEPER"], [242, "TABLE_IS_READ_ONLY"],
    [279, "ALL_CONNECTION_TRIES_FAILED"], [319, "UNKNOWN_STATUS_OF_INSERT"], [394, "QUERY_WAS_CANCELLED"],
    [999, "KEEPER_EXCEPTION"],
  ]],
];

const codeKinds = new Map<number, { kind: ErrorKind; name: string }>();
for (const [kind, entries] of codeTable) {
  for (const [code, name] of entries) if (!codeKinds.has(code)) codeKinds.set(code, { kind, name });
}

/** Socket-level failures: the request may never have reached the server, or its answer was lost. */
const transportCodes: ReadonlySet<string> = new Set([
  "ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "ENETDOWN", "EAI_AGAIN",
  "ECONNABORTED", "ENOTCONN", "ConnectionRefused", "ConnectionClosed", "UND_ERR_SOCKET", "ERR_SOCKET_CONNECTION_TIMEOUT",
]);
const transportMessages = /socket hang up|Timeout error|timed out|ECONNREFUSED|ECONNRESET|connection (refused|reset|closed)/i;

/** The `Code: N` a ClickHouse exception message starts with, if any. */
export function clickHouseCodeOf(message: string): number | undefined {
  const match = /(?:^|\s|\()Code: (\d+)[.,]/.exec(message);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

function truncate(message: string): string {
  return message.length > messageLengthMax ? `${message.slice(0, messageLengthMax)}…` : message;
}

/** A failure the server reported with an exception code. */
export function errorFromClickHouse(
  code: number,
  message: string,
  context: { engine: StoreEngine; operation: StoreOperation },
  cause?: unknown,
): EdgeflowError {
  const known = codeKinds.get(code);
  // An unknown code is the server's fault or ours, not the caller's: "io", not retried.
  const kind = known?.kind ?? "io";
  return new EdgeflowError(
    kind,
    `store.clickhouse.${known?.name ?? code}`,
    `${context.engine} ${context.operation} failed: ${truncate(message.trim())}`,
    { ...context, clickhouseCode: code, clickhouseName: known?.name, retriable: retriableKinds.has(kind) },
    { cause },
  );
}

function errorCodeOf(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" ? code : undefined;
}

/** A failure below ClickHouse: refused, reset or timed-out connections, and chDB's own errors. */
function errorFromTransport(
  error: Error,
  context: { engine: StoreEngine; operation: StoreOperation },
): EdgeflowError | undefined {
  const code = errorCodeOf(error);
  const transport = (code !== undefined && transportCodes.has(code)) || transportMessages.test(error.message);
  const chdbUnavailable = code === "CHDB_CLOSED" || code === "CHDB_CONNECTION" || code === "CHDB_ABORT";
  if (transport || chdbUnavailable) {
    return new EdgeflowError(
      "unavailable",
      "store.unavailable",
      `${context.engine} ${context.operation} failed: ${truncate(error.message)}`,
      { ...context, cause: code ?? "transport", retriable: true, retryAfterSeconds: 1 },
      { cause: error },
    );
  }
  if (code === "CHDB_TIMEOUT") {
    return new EdgeflowError("unavailable", "store.unavailable", `${context.engine} ${context.operation} timed out`, {
      ...context, cause: "timeout", retriable: true, retryAfterSeconds: 1,
    }, { cause: error });
  }
  if (code === "CHDB_INSERT" || code === "CHDB_BIND") {
    return new EdgeflowError("invalid", "store.invalid_request", `${context.engine} ${context.operation}: ${error.message}`, {
      ...context, retriable: false,
    }, { cause: error });
  }
  return undefined;
}

/**
 * Any thrown value from an engine call as an `EdgeflowError`. `EdgeflowError`s pass through;
 * an exception code wins over transport guesses; what cannot be classified is "io".
 */
export function toStoreError(error: unknown, context: { engine: StoreEngine; operation: StoreOperation }): EdgeflowError {
  if (error instanceof EdgeflowError) return error;
  const asError = error instanceof Error ? error : new Error(String(error));
  const reported = (error as { clickhouseCode?: unknown } | null)?.clickhouseCode;
  const code = typeof reported === "number" ? reported : clickHouseCodeOf(asError.message);
  if (code !== undefined) return errorFromClickHouse(code, asError.message, context, error);
  return (
    errorFromTransport(asError, context) ??
    new EdgeflowError("io", "store.io", `${context.engine} ${context.operation} failed: ${truncate(asError.message)}`, {
      ...context, retriable: false,
    }, { cause: error })
  );
}

/** True when the same request may succeed later: the store was unavailable, busy or slow. */
export function isRetriable(error: unknown): boolean {
  return error instanceof EdgeflowError && retriableKinds.has(error.kind);
}
