/**
 * The version probe and the settings every request carries.
 *
 * 18.16 rejects a request that names a setting it does not know (`Code: 115, Unknown setting`),
 * so a setting newer than 18.16 is only sent when `system.settings` lists it. Settings are
 * chosen so both engines parse input and print output the same way; each line says why.
 */
import { EdgeflowError } from "../lib/index.ts";
import type { ServerInfo, Settings, SettingValue, StoreFeatures } from "./types.ts";

/** The settings the probe asks `system.settings` about. */
export const probedSettingNames = [
  "async_insert",
  "wait_for_async_insert",
  "insert_deduplication_token",
  "distributed_foreground_insert",
  "insert_distributed_sync",
  "input_format_defaults_for_omitted_fields",
  "input_format_tsv_empty_as_default",
  "output_format_json_quote_64bit_floats",
  "output_format_json_quote_decimals",
  "output_format_json_named_tuples_as_objects",
] as const;

/** The probe's SQL, as constants: no value enters these texts. */
export const versionSql = "SELECT version() AS version";
export const settingNamesSql =
  `SELECT name FROM system.settings WHERE name IN (${probedSettingNames.map((name) => `'${name}'`).join(", ")})`;

/** `18.16.1` → [18, 16, 1]; `26.7.2.1` → [26, 7, 2]. */
export function parseVersion(version: string): readonly [number, number, number] {
  const match = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(version.trim());
  if (match === null) {
    throw new EdgeflowError("io", "store.bad_version", `cannot parse ClickHouse version ${JSON.stringify(version)}`);
  }
  return [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)];
}

function atLeast(version: readonly [number, number, number], major: number, minor: number): boolean {
  return version[0] > major || (version[0] === major && version[1] >= minor);
}

/**
 * Version thresholds are conservative (a release or two after the feature appeared): a later
 * threshold only leaves an extra switched off, an earlier one would break a real server.
 */
export function featuresOf(version: readonly [number, number, number], settingNames: ReadonlySet<string>): StoreFeatures {
  return {
    lowCardinality: atLeast(version, 19, 9), // experimental behind a flag in 18.x
    ttl: atLeast(version, 19, 9), // introduced in 19.6
    queryParameters: atLeast(version, 19, 15), // HTTP `param_` arrived in the 19.x line
    insertDeduplicationToken: settingNames.has("insert_deduplication_token"),
    asyncInsert: settingNames.has("async_insert"),
    windowFunctions: atLeast(version, 22, 3), // on by default from 21.12; the scan is used from 22.3, the first LTS with them
  };
}

export function serverInfoOf(version: string, settingNames: Iterable<string>): ServerInfo {
  const names = new Set(settingNames);
  const versionParts = parseVersion(version);
  return { version, versionParts, features: featuresOf(versionParts, names), settingNames: names };
}

function addKnown(settings: Record<string, SettingValue>, known: ReadonlySet<string>, name: string, value: SettingValue): void {
  if (known.has(name)) settings[name] = value;
}

/** Settings for every SELECT, so JSONEachRow output is the same on both engines. */
export function querySettingsFor(info: ServerInfo): Settings {
  const settings: Record<string, SettingValue> = {
    // 18.16 quotes 64-bit integers by default, 26.x does not: quote them everywhere, since a
    // JSON number beyond 2^53 loses digits in JavaScript.
    output_format_json_quote_64bit_integers: 1,
    output_format_json_quote_denormals: 0,
  };
  addKnown(settings, info.settingNames, "output_format_json_quote_64bit_floats", 0);
  addKnown(settings, info.settingNames, "output_format_json_quote_decimals", 0);
  // 18.16 prints tuples as arrays; newer servers print named tuples as objects unless told not to.
  addKnown(settings, info.settingNames, "output_format_json_named_tuples_as_objects", 0);
  return settings;
}

/**
 * Settings for every INSERT, set explicitly rather than inherited from a server profile, so an
 * insert means the same thing everywhere: synchronous (the ack means the rows are in the
 * table), strict (no skipped fields or rows), and parsed the way 18.16 parses.
 */
export function insertSettingsFor(info: ServerInfo): Settings {
  const known = info.settingNames;
  const settings: Record<string, SettingValue> = {
    insert_deduplicate: 1,
    input_format_skip_unknown_fields: 0,
    input_format_allow_errors_num: 0,
    input_format_allow_errors_ratio: 0,
    input_format_import_nested_json: 0,
    date_time_input_format: "basic",
  };
  // The ack must mean "written", not "buffered": no async insert where it exists...
  addKnown(settings, known, "async_insert", 0);
  addKnown(settings, known, "wait_for_async_insert", 1);
  // ...and a Distributed table forwards to its shards before answering (renamed in 23.x).
  if (known.has("distributed_foreground_insert")) settings.distributed_foreground_insert = 1;
  else addKnown(settings, known, "insert_distributed_sync", 1);
  // 18.16 fills an omitted JSON field and an empty TSV field with the type's zero value, not the
  // column's DEFAULT expression; newer servers are told to do the same.
  addKnown(settings, known, "input_format_defaults_for_omitted_fields", 0);
  addKnown(settings, known, "input_format_tsv_empty_as_default", 0);
  return settings;
}

/** Caller settings: names are plain identifiers, values primitives; checked before they reach a URL or SQL. */
export function checkSettings(settings: Settings | undefined): Settings {
  if (settings === undefined) return {};
  for (const [name, value] of Object.entries(settings)) {
    const typeOk = typeof value === "string" || typeof value === "boolean" || (typeof value === "number" && Number.isFinite(value));
    if (!/^[a-z_][a-z0-9_]*$/.test(name) || !typeOk) {
      throw new EdgeflowError("invalid", "store.invalid_setting", `invalid setting ${JSON.stringify(name)}`, { setting: name });
    }
  }
  return settings;
}
