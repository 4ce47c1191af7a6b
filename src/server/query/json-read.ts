/**
 * Typed reads of untrusted JSON, each naming the JSON path it read, so every refusal tells the
 * caller exactly where its body went wrong (`steps[0].step[1].limit: must be an integer`).
 *
 * `null` counts as absent everywhere, as it does for S2Graph's `asOpt`/`validateOpt`.
 */
import { EdgeflowError } from "../../lib/index.ts";

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function keyPath(path: string, key: string): string {
  const plain = /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key);
  const part = plain ? key : JSON.stringify(key);
  if (path === "") return plain ? key : `[${part}]`;
  return plain ? `${path}.${key}` : `${path}[${part}]`;
}

export function indexPath(path: string, index: number): string {
  return `${path}[${index}]`;
}

/** Names a JSON value the way a message should show it: short, with its type. */
export function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

export function fail(code: string, path: string, message: string, detail: Record<string, unknown> = {}): never {
  const where = path === "" ? "body" : path;
  throw new EdgeflowError("invalid", code, `${where}: ${message}`, { path: where, ...detail });
}

function present(obj: JsonObject, key: string): unknown {
  const value = Object.hasOwn(obj, key) ? obj[key] : undefined;
  return value === null ? undefined : value;
}

export function readRaw(obj: JsonObject, key: string): unknown {
  return present(obj, key);
}

export function optBoolean(obj: JsonObject, key: string, path: string, fallback: boolean): boolean {
  const value = present(obj, key);
  if (value === undefined) return fallback;
  if (typeof value !== "boolean") fail("invalid_type", keyPath(path, key), `must be true or false, got ${describe(value)}`);
  return value;
}

/** A JSON integer in the safe range (S2Graph's `Int`/`Long` reads refuse fractions). */
export function optInteger(obj: JsonObject, key: string, path: string): number | undefined {
  const value = present(obj, key);
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isSafeInteger(value)) {
    fail("invalid_type", keyPath(path, key), `must be an integer, got ${describe(value)}`);
  }
  return value;
}

export function optNumber(obj: JsonObject, key: string, path: string): number | undefined {
  const value = present(obj, key);
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value)) fail("invalid_type", keyPath(path, key), `must be a number, got ${describe(value)}`);
  return value;
}

export function optString(obj: JsonObject, key: string, path: string): string | undefined {
  const value = present(obj, key);
  if (value === undefined) return undefined;
  if (typeof value !== "string") fail("invalid_type", keyPath(path, key), `must be a string, got ${describe(value)}`);
  return value;
}

export function optObject(obj: JsonObject, key: string, path: string): JsonObject | undefined {
  const value = present(obj, key);
  if (value === undefined) return undefined;
  if (!isObject(value)) fail("invalid_type", keyPath(path, key), `must be an object, got ${describe(value)}`);
  return value;
}

export function optArray(obj: JsonObject, key: string, path: string): unknown[] | undefined {
  const value = present(obj, key);
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) fail("invalid_type", keyPath(path, key), `must be an array, got ${describe(value)}`);
  return value;
}

export function optStringArray(obj: JsonObject, key: string, path: string): string[] | undefined {
  const array = optArray(obj, key, path);
  if (array === undefined) return undefined;
  return array.map((item, i) => {
    if (typeof item !== "string") fail("invalid_type", indexPath(keyPath(path, key), i), `must be a string, got ${describe(item)}`);
    return item;
  });
}

/** Refuses a count over its limit; every list a request can carry has one. */
export function checkCount(count: number, max: number, path: string, what: string): void {
  if (count > max) {
    throw new EdgeflowError("too_large", "too_many", `${path === "" ? "body" : path}: at most ${max} ${what}, got ${count}`, { path, max });
  }
}
