/**
 * JSONEachRow result text to row objects, for both engines.
 *
 * A server that fails after it began streaming still answers 200 and appends the exception to
 * the body: 18.16 as a bare `Code: N, e.displayText() = ...` line, newer servers as a
 * `__exception__` object. Such a body is a failure, never a shorter result.
 */
import { EdgeflowError } from "../lib/index.ts";
import { clickHouseCodeOf, errorFromClickHouse } from "./errors.ts";
import type { Row, StoreEngine } from "./types.ts";

export function parseJsonEachRow(text: string, engine: StoreEngine): Row[] {
  const rows: Row[] = [];
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf("\n", start);
    if (end === -1) end = text.length;
    const line = text.slice(start, end);
    const lineStart = start;
    start = end + 1;
    if (line.trim() === "") continue;
    // On a bad line, the exception (if any) is this line and everything after it.
    rows.push(parseLine(line, () => text.slice(lineStart), engine, rows.length));
  }
  return rows;
}

function parseLine(line: string, rest: () => string, engine: StoreEngine, index: number): Row {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw exceptionIn(rest(), engine) ?? badResponse(engine, `row ${index} is not JSON`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw badResponse(engine, `row ${index} is not a JSON object`);
  }
  if ("__exception__" in value) {
    throw exceptionIn(String((value as { __exception__: unknown }).__exception__), engine) ??
      badResponse(engine, "the result ends in an exception");
  }
  return value as Row;
}

function exceptionIn(text: string, engine: StoreEngine): EdgeflowError | undefined {
  const at = text.search(/Code: \d+[.,]/);
  if (at === -1) return undefined;
  const message = text.slice(at);
  const code = clickHouseCodeOf(message);
  return code === undefined ? undefined : errorFromClickHouse(code, message, { engine, operation: "query" });
}

function badResponse(engine: StoreEngine, why: string): EdgeflowError {
  return new EdgeflowError("io", "store.bad_response", `${engine} query returned a malformed JSONEachRow body: ${why}`, {
    engine,
    retriable: false,
  });
}
