/**
 * Shared helpers for every module: error kinds, assertions, the schema model and its rules.
 *
 * This folder imports nothing of ours; `server`, `wal`, `join` and `store` may all import it.
 */
export * from "./errors.ts";
export * from "./chdb-loader.ts";
export * from "./schema.ts";
export * from "./mutation.ts";
export * from "./random.ts";
export * from "./turns.ts";
