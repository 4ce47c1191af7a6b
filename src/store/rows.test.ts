import { expect, test } from "bun:test";
import { EdgeflowError } from "../lib/index.ts";
import { parseJsonEachRow } from "./rows.ts";

function failure(text: string): EdgeflowError {
  try {
    parseJsonEachRow(text, "clickhouse");
  } catch (error) {
    if (error instanceof EdgeflowError) return error;
    throw error;
  }
  throw new Error("expected a failure");
}

test("store: rows: JSONEachRow lines become objects, blank lines are skipped", () => {
  expect(parseJsonEachRow('{"a":"1","b":2}\n\n{"a":"3","b":4}\n', "chdb")).toEqual([
    { a: "1", b: 2 },
    { a: "3", b: 4 },
  ]);
  expect(parseJsonEachRow("", "chdb")).toEqual([]);
});

test("store: rows: an 18.16 exception appended to a 200 body is a failure with its code", () => {
  const error = failure('{"x":0}\n{"x":0}\nCode: 395, e.displayText() = DB::Exception: Value passed to \'throwIf\' function is non zero\n');
  expect(error.kind).toBe("invalid");
  expect(error.detail.clickhouseCode).toBe(395);
});

test("store: rows: a modern __exception__ row is a failure with its code", () => {
  const error = failure('{"x":0}\n{"__exception__":"Code: 241. DB::Exception: Memory limit exceeded. (MEMORY_LIMIT_EXCEEDED)"}\n');
  expect(error.kind).toBe("overloaded");
  expect(error.detail.clickhouseCode).toBe(241);
});

test("store: rows: a truncated or non-object body is a bad response, not fewer rows", () => {
  expect(failure('{"x":0}\n{"x":').code).toBe("store.bad_response");
  expect(failure("[1,2]\n").code).toBe("store.bad_response");
});

test("store: rows: a string that mentions a code inside a valid row is data, not an exception", () => {
  expect(parseJsonEachRow('{"s":"Code: 62, not an error"}\n', "clickhouse")).toEqual([{ s: "Code: 62, not an error" }]);
});
