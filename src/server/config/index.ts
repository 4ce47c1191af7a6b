/**
 * Configuration: every setting is a command-line flag and an environment variable.
 *
 * Flags win over environment variables, which win over defaults. Parsing never exits the
 * process: a bad flag or value is an `EdgeflowError("invalid")` whose message is one line the
 * CLI prints before exiting with code 2.
 */
import { parseArgs } from "node:util";
import path from "node:path";
import { EdgeflowError } from "../../lib/index.ts";

export const logLevels = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;
export type LogLevel = (typeof logLevels)[number];

export interface Config {
  host: string;
  /** 0 picks a free port; the `listening` log line says which. */
  port: number;
  dataDir: string;
  /** The admin token; when unset, one is generated on first start and printed once. */
  adminToken: string | undefined;
  /** Unset: the embedded chDB engine under the data dir. */
  clickhouseUrl: string | undefined;
  clickhouseDatabase: string;
  clickhouseUser: string | undefined;
  clickhousePassword: string | undefined;
  /** Embedded engine: sessions that run statements in parallel; unset: the cores, 2 to 8. */
  chdbSessions: number | undefined;
  logLevel: LogLevel;
  /**
   * Where the WAL lives (its `wal/` and `quarantine/` folders); unset: the data dir. On a disk
   * of its own its fsyncs do not queue behind the embedded engine's writes.
   */
  walDir: string | undefined;
  /** Start even when the WAL has a corrupt record before its tail, truncating there. */
  walRepair: boolean;
  walSegmentBytes: number;
  walDiskBytesMax: number;
  groupCommitWindowMs: number;
  bodyBytesMax: number;
  bodyInflatedBytesMax: number;
  requestRowsMax: number;
  shutdownTimeoutMs: number;
  serviceRowsPerSecond: number;
  serviceRequestsPerSecond: number;
}

type Kind = "string" | "port" | "bytes" | "int" | "bool" | "level" | "path";

interface Option {
  key: keyof Config;
  flag: string;
  env: string;
  kind: Kind;
  help: string;
  default?: Config[keyof Config];
}

const MiB = 1024 * 1024;

/** The one table of settings: the parser, the env lookup and `--help` are all built from it. */
export const options: readonly Option[] = [
  { key: "host", flag: "host", env: "EDGEFLOW_HOST", kind: "string", default: "0.0.0.0", help: "address to listen on" },
  { key: "port", flag: "port", env: "EDGEFLOW_PORT", kind: "port", default: 8700, help: "HTTP port (0 picks a free port)" },
  { key: "dataDir", flag: "data-dir", env: "EDGEFLOW_DATA_DIR", kind: "path", default: "./data", help: "folder for the WAL, the registry and the embedded engine" },
  { key: "adminToken", flag: "admin-token", env: "EDGEFLOW_ADMIN_TOKEN", kind: "string", help: "admin bearer token (default: generated on first start, printed once)" },
  { key: "clickhouseUrl", flag: "clickhouse-url", env: "EDGEFLOW_CLICKHOUSE_URL", kind: "string", help: "ClickHouse server URL, e.g. http://127.0.0.1:8123 (default: embedded chDB)" },
  { key: "clickhouseDatabase", flag: "clickhouse-database", env: "EDGEFLOW_CLICKHOUSE_DATABASE", kind: "string", default: "edgeflow", help: "ClickHouse database to use" },
  { key: "clickhouseUser", flag: "clickhouse-user", env: "EDGEFLOW_CLICKHOUSE_USER", kind: "string", help: "ClickHouse user (remote engine)" },
  { key: "clickhousePassword", flag: "clickhouse-password", env: "EDGEFLOW_CLICKHOUSE_PASSWORD", kind: "string", help: "ClickHouse password (remote engine)" },
  { key: "chdbSessions", flag: "chdb-sessions", env: "EDGEFLOW_CHDB_SESSIONS", kind: "int", help: "embedded engine: sessions that run statements in parallel (default: the cores, 2 to 8)" },
  { key: "logLevel", flag: "log-level", env: "EDGEFLOW_LOG_LEVEL", kind: "level", default: "info", help: `one of ${logLevels.join(", ")}` },
  { key: "walDir", flag: "wal-dir", env: "EDGEFLOW_WAL_DIR", kind: "path", help: "folder for the WAL (default: the data dir); on a disk of its own, its fsyncs do not wait behind the engine's writes" },
  { key: "walRepair", flag: "wal-repair", env: "EDGEFLOW_WAL_REPAIR", kind: "bool", default: false, help: "truncate the WAL at a corrupt record instead of refusing to start" },
  { key: "walSegmentBytes", flag: "wal-segment-bytes", env: "EDGEFLOW_WAL_SEGMENT_BYTES", kind: "bytes", default: 64 * MiB, help: "WAL segment size" },
  { key: "walDiskBytesMax", flag: "wal-disk-bytes-max", env: "EDGEFLOW_WAL_DISK_BYTES_MAX", kind: "bytes", default: 8 * 1024 * MiB, help: "WAL disk budget; past it writes get 503" },
  { key: "groupCommitWindowMs", flag: "group-commit-window-ms", env: "EDGEFLOW_GROUP_COMMIT_WINDOW_MS", kind: "int", default: 0, help: "how long a group commit waits for more appends before its fsync (0: only what queued during the previous fsync)" },
  { key: "bodyBytesMax", flag: "body-bytes-max", env: "EDGEFLOW_BODY_BYTES_MAX", kind: "bytes", default: 16 * MiB, help: "request body limit on the wire" },
  { key: "bodyInflatedBytesMax", flag: "body-inflated-bytes-max", env: "EDGEFLOW_BODY_INFLATED_BYTES_MAX", kind: "bytes", default: 64 * MiB, help: "request body limit after gunzip" },
  { key: "requestRowsMax", flag: "request-rows-max", env: "EDGEFLOW_REQUEST_ROWS_MAX", kind: "int", default: 100_000, help: "rows a request may carry" },
  { key: "serviceRowsPerSecond", flag: "service-rows-per-second", env: "EDGEFLOW_SERVICE_ROWS_PER_SECOND", kind: "int", default: 200_000, help: "rows a second one service token may write (429 past it)" },
  { key: "serviceRequestsPerSecond", flag: "service-requests-per-second", env: "EDGEFLOW_SERVICE_REQUESTS_PER_SECOND", kind: "int", default: 2_000, help: "mutation requests a second one service token may send" },
  { key: "shutdownTimeoutMs", flag: "shutdown-timeout-ms", env: "EDGEFLOW_SHUTDOWN_TIMEOUT_MS", kind: "int", default: 30_000, help: "how long shutdown waits for in-flight requests" },
];

function parseBytes(text: string): number | undefined {
  const m = /^(\d+)\s*(b|k|kb|kib|m|mb|mib|g|gb|gib)?$/i.exec(text.trim());
  if (!m || !m[1]) return undefined;
  const unit = (m[2] ?? "b").toLowerCase()[0] ?? "b";
  const scale = unit === "k" ? 1024 : unit === "m" ? MiB : unit === "g" ? 1024 * MiB : 1;
  const n = Number(m[1]) * scale;
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

function convert(option: Option, raw: string | boolean, source: string): Config[keyof Config] {
  const bad = (why: string) =>
    new EdgeflowError("invalid", "invalid_config", `invalid value ${JSON.stringify(raw)} for ${source}: ${why}`);
  if (option.kind === "bool") {
    if (typeof raw === "boolean") return raw;
    if (/^(1|true|yes|on)$/i.test(raw)) return true;
    if (/^(0|false|no|off|)$/i.test(raw)) return false;
    throw bad("expected true or false");
  }
  const text = String(raw);
  switch (option.kind) {
    case "port": {
      const n = Number(text);
      if (!/^\d+$/.test(text) || n > 65535) throw bad("expected a port number 0-65535");
      return n;
    }
    case "int": {
      const n = Number(text);
      if (!/^\d+$/.test(text) || !Number.isSafeInteger(n)) throw bad("expected a non-negative integer");
      return n;
    }
    case "bytes": {
      const n = parseBytes(text);
      if (n === undefined) throw bad("expected a size such as 65536, 64MiB or 8GiB");
      return n;
    }
    case "level":
      if (!(logLevels as readonly string[]).includes(text)) throw bad(`expected one of ${logLevels.join(", ")}`);
      return text;
    case "path":
      if (text.length === 0) throw bad("expected a path");
      return path.resolve(text);
    default:
      if (text.length === 0) throw bad("expected a non-empty value");
      return text;
  }
}

export interface ParsedCommandLine {
  command: "serve" | "version" | "help";
  config: Config;
}

/** Parses argv (without the runtime and script) and the environment into a command and a config. */
export function parseCommandLine(argv: readonly string[], env: Record<string, string | undefined>): ParsedCommandLine {
  const parseOptions: Record<string, { type: "string" | "boolean" }> = { help: { type: "boolean" } };
  for (const o of options) parseOptions[o.flag] = { type: o.kind === "bool" ? "boolean" : "string" };
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: parseOptions, allowPositionals: true, strict: true });
  } catch (error) {
    const message = error instanceof Error ? error.message.split("\n")[0] : String(error);
    throw new EdgeflowError("invalid", "invalid_flag", `${message} (see --help)`);
  }
  const positionals = parsed.positionals;
  const commandName = positionals[0] ?? "serve";
  if (positionals.length > 1) throw new EdgeflowError("invalid", "invalid_flag", `unexpected argument ${JSON.stringify(positionals[1])} (see --help)`);
  if (commandName !== "serve" && commandName !== "version" && commandName !== "help") {
    throw new EdgeflowError("invalid", "invalid_flag", `unknown command ${JSON.stringify(commandName)}; expected serve, version or help`);
  }
  const config = {} as Record<keyof Config, unknown>;
  for (const o of options) {
    const fromFlag = parsed.values[o.flag];
    const fromEnv = env[o.env];
    if (fromFlag !== undefined) config[o.key] = convert(o, fromFlag as string | boolean, `--${o.flag}`);
    else if (fromEnv !== undefined && fromEnv !== "") config[o.key] = convert(o, fromEnv, o.env);
    else config[o.key] = o.kind === "path" && typeof o.default === "string" ? path.resolve(o.default) : o.default;
  }
  const command = parsed.values.help === true ? "help" : commandName;
  return { command, config: config as unknown as Config };
}

/** A config with every default, for tests and embedding. */
export function defaultConfig(overrides: Partial<Config> = {}): Config {
  return { ...parseCommandLine([], {}).config, ...overrides };
}

export function helpText(version: string): string {
  const lines = [
    `edgeflow ${version} — durable event ingest into a ClickHouse property graph, with S2Graph's API`,
    "",
    "Usage: edgeflow [serve|version|help] [flags]",
    "",
    "Commands:",
    "  serve      start the server (default)",
    "  version    print the version",
    "  help       print this text",
    "",
    "Flags (each also an environment variable):",
  ];
  for (const o of options) {
    const def = o.default === undefined ? "" : ` (default ${String(o.default)})`;
    lines.push(`  --${o.flag.padEnd(26)} ${o.env.padEnd(34)} ${o.help}${def}`);
  }
  return lines.join("\n");
}
