import { describe, expect, test } from "bun:test";
import { EdgeflowError } from "../lib/index.ts";
import { clickHouseCodeOf, isRetriable, toStoreError } from "./errors.ts";

const context = { engine: "clickhouse" as const, operation: "query" as const };

function withCode(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

describe("store: errors", () => {
  test("store: errors: the exception code is read from 18.16 and 26.x messages", () => {
    expect(clickHouseCodeOf("Code: 62, e.displayText() = DB::Exception: Syntax error")).toBe(62);
    expect(clickHouseCodeOf("Code: 60. DB::Exception: Unknown table expression identifier 'nope'. (UNKNOWN_TABLE)")).toBe(60);
    expect(clickHouseCodeOf("no code here")).toBeUndefined();
    expect(clickHouseCodeOf("ZipCode: 12, x")).toBeUndefined();
  });

  test("store: errors: syntax, type and unknown-table errors are invalid and not retriable", () => {
    for (const [message, name] of [
      ["Code: 62, e.displayText() = DB::Exception: Syntax error", "SYNTAX_ERROR"],
      ["Code: 60, e.displayText() = DB::Exception: Table x.y doesn't exist.", "UNKNOWN_TABLE"],
      ["Code: 53. DB::Exception: Type mismatch", "TYPE_MISMATCH"],
      ["Code: 115, e.displayText() = DB::Exception: Unknown setting async_insert", "UNKNOWN_SETTING"],
    ] as const) {
      const error = toStoreError(new Error(message), context);
      expect(error.kind).toBe("invalid");
      expect(error.code).toBe(`store.clickhouse.${name}`);
      expect(error.detail.clickhouseCode).toBe(clickHouseCodeOf(message));
      expect(isRetriable(error)).toBe(false);
    }
  });

  test("store: errors: refused, reset and timed-out connections are unavailable and retriable", () => {
    for (const error of [
      withCode("connect ECONNREFUSED 127.0.0.1:1", "ECONNREFUSED"),
      withCode("read ECONNRESET", "ECONNRESET"),
      new Error("socket hang up"),
      new Error("Timeout error."),
      withCode("chdb: session closed", "CHDB_CLOSED"),
    ]) {
      const mapped = toStoreError(error, context);
      expect(mapped.kind).toBe("unavailable");
      expect(mapped.detail.retryAfterSeconds).toBe(1);
      expect(isRetriable(mapped)).toBe(true);
    }
  });

  test("store: errors: server pressure is overloaded or timeout, both retriable", () => {
    expect(toStoreError(new Error("Code: 241. DB::Exception: Memory limit exceeded"), context).kind).toBe("overloaded");
    expect(toStoreError(new Error("Code: 252, e.displayText() = DB::Exception: Too many parts"), context).kind).toBe("overloaded");
    expect(toStoreError(new Error("Code: 159. DB::Exception: Timeout exceeded"), context).kind).toBe("timeout");
    expect(isRetriable(toStoreError(new Error("Code: 159. x"), context))).toBe(true);
  });

  test("store: errors: a chDB error's clickhouseCode wins over its message", () => {
    const chdbError = Object.assign(new Error("whatever"), { code: "CHDB_SYNTAX", clickhouseCode: 62 });
    const mapped = toStoreError(chdbError, { engine: "chdb", operation: "exec" });
    expect(mapped.kind).toBe("invalid");
    expect(mapped.detail.engine).toBe("chdb");
  });

  test("store: errors: unknown codes and unknown failures are io, EdgeflowErrors pass through", () => {
    expect(toStoreError(new Error("Code: 12345. DB::Exception: new"), context).kind).toBe("io");
    expect(toStoreError("a string", context).kind).toBe("io");
    const original = new EdgeflowError("conflict", "x", "y");
    expect(toStoreError(original, context)).toBe(original);
    expect(isRetriable(new Error("plain"))).toBe(false);
  });

  test("store: errors: long messages are cut", () => {
    const mapped = toStoreError(new Error(`Code: 62. ${"x".repeat(10_000)}`), context);
    expect(mapped.message.length).toBeLessThan(2100);
  });
});
