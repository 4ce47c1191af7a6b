import { expect, test } from "bun:test";
import { checkSettings, insertSettingsFor, parseVersion, querySettingsFor, serverInfoOf } from "./server-info.ts";

test("store: server info: versions of 18.16 and chDB's 26.x parse to major, minor, patch", () => {
  expect(parseVersion("18.16.1")).toEqual([18, 16, 1]);
  expect(parseVersion("26.7.2.1")).toEqual([26, 7, 2]);
  expect(parseVersion("24.8")).toEqual([24, 8, 0]);
  expect(() => parseVersion("unknown")).toThrow();
});

test("store: server info: 18.16 has none of the modern extras and is sent no setting it does not know", () => {
  const info = serverInfoOf("18.16.1", ["insert_distributed_sync"]);
  expect(info.features).toEqual({
    lowCardinality: false,
    ttl: false,
    queryParameters: false,
    insertDeduplicationToken: false,
    asyncInsert: false,
    windowFunctions: false,
  });
  const insert = insertSettingsFor(info);
  expect(insert).not.toHaveProperty("async_insert");
  expect(insert).not.toHaveProperty("input_format_defaults_for_omitted_fields");
  expect(insert.insert_distributed_sync).toBe(1);
  expect(querySettingsFor(info)).toEqual({ output_format_json_quote_64bit_integers: 1, output_format_json_quote_denormals: 0 });
});

test("store: server info: a modern server gets the extras and the settings that make it behave like 18.16", () => {
  const info = serverInfoOf("26.7.2.1", [
    "async_insert",
    "wait_for_async_insert",
    "insert_deduplication_token",
    "distributed_foreground_insert",
    "insert_distributed_sync",
    "input_format_defaults_for_omitted_fields",
    "output_format_json_named_tuples_as_objects",
  ]);
  expect(Object.values(info.features).every(Boolean)).toBe(true);
  const insert = insertSettingsFor(info);
  expect(insert.async_insert).toBe(0);
  expect(insert.wait_for_async_insert).toBe(1);
  expect(insert.distributed_foreground_insert).toBe(1);
  expect(insert).not.toHaveProperty("insert_distributed_sync");
  expect(insert.input_format_defaults_for_omitted_fields).toBe(0);
  expect(querySettingsFor(info).output_format_json_named_tuples_as_objects).toBe(0);
});

test("store: server info: caller settings must have plain names and primitive values", () => {
  expect(checkSettings({ insert_deduplication_token: "abc", max_threads: 2 })).toEqual({ insert_deduplication_token: "abc", max_threads: 2 });
  expect(() => checkSettings({ "x=1&query=DROP": 1 })).toThrow();
  expect(() => checkSettings({ x: Number.NaN })).toThrow();
  expect(() => checkSettings({ x: {} as unknown as string })).toThrow();
});
