/**
 * Checks applied to every SQL text before either engine sees it, so both fail the same way.
 */
import { EdgeflowError } from "../lib/index.ts";
import type { StoreOperation } from "./errors.ts";
import type { StoreEngine } from "./types.ts";

export interface EngineLimits {
  /**
   * ClickHouse parses at most `max_query_size` bytes (256 KiB by default on 18.16 and 26.x);
   * the default leaves 1 KiB of that for the FORMAT clause the remote engine appends.
   */
  statementBytesMax: number;
  resultBytesMax: number;
}

export const statementBytesMaxDefault = 262_144 - 1024;
export const resultBytesMaxDefault = 256 * 1024 * 1024;

/**
 * Returns the statement trimmed and without trailing semicolons (a FORMAT clause is appended
 * after it on the remote engine). Rejects an empty text, a raw NUL (chDB reads the text as a C
 * string; `quoteString` never emits one) and a text over `statementBytesMax`.
 */
export function checkStatement(
  sql: string,
  limits: EngineLimits,
  context: { engine: StoreEngine; operation: StoreOperation },
): string {
  if (typeof sql !== "string") {
    throw new EdgeflowError("invalid", "store.invalid_sql", "SQL must be a string", { ...context });
  }
  const statement = sql.trim().replace(/(?:\s*;)+$/, "");
  if (statement === "") throw new EdgeflowError("invalid", "store.invalid_sql", "empty SQL statement", { ...context });
  if (statement.includes("\0")) {
    throw new EdgeflowError("invalid", "store.invalid_sql", "SQL contains a raw NUL; quote values with quoteString", { ...context });
  }
  const statementBytes = Buffer.byteLength(statement, "utf8");
  if (statementBytes > limits.statementBytesMax) {
    throw new EdgeflowError("too_large", "store.statement_too_large", `SQL statement of ${statementBytes} bytes is over the limit`, {
      ...context, statementBytes, statementBytesMax: limits.statementBytesMax,
    });
  }
  return statement;
}
