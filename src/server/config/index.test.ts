import { describe, expect, test } from "bun:test";
import path from "node:path";
import { helpText, parseCommandLine } from "./index.ts";

describe("config", () => {
  test("config: defaults apply when nothing is given", () => {
    const { command, config } = parseCommandLine([], {});
    expect(command).toBe("serve");
    expect(config.port).toBe(8700);
    expect(config.dataDir).toBe(path.resolve("./data"));
    expect(config.clickhouseUrl).toBeUndefined();
    expect(config.adminToken).toBeUndefined();
    expect(config.logLevel).toBe("info");
  });

  test("config: a flag wins over its environment variable, which wins over the default", () => {
    expect(parseCommandLine(["--port", "9000"], { EDGEFLOW_PORT: "9100" }).config.port).toBe(9000);
    expect(parseCommandLine([], { EDGEFLOW_PORT: "9100" }).config.port).toBe(9100);
    expect(parseCommandLine(["--port=0"], {}).config.port).toBe(0);
    const env = { EDGEFLOW_DATA_DIR: "/tmp/x", EDGEFLOW_ADMIN_TOKEN: "t", EDGEFLOW_CLICKHOUSE_URL: "http://127.0.0.1:8123", EDGEFLOW_LOG_LEVEL: "warn" };
    const { config } = parseCommandLine([], env);
    expect(config).toMatchObject({ dataDir: "/tmp/x", adminToken: "t", clickhouseUrl: "http://127.0.0.1:8123", logLevel: "warn" });
  });

  test("config: commands are serve, version and help", () => {
    expect(parseCommandLine(["version"], {}).command).toBe("version");
    expect(parseCommandLine(["serve", "--port", "1"], {}).command).toBe("serve");
    expect(parseCommandLine(["--help"], {}).command).toBe("help");
    expect(parseCommandLine(["help"], {}).command).toBe("help");
  });

  test("config: the embedded engine's sessions default to the store's choice and can be set", () => {
    expect(parseCommandLine([], {}).config.chdbSessions).toBeUndefined();
    expect(parseCommandLine(["--chdb-sessions", "3"], {}).config.chdbSessions).toBe(3);
    expect(parseCommandLine([], { EDGEFLOW_CHDB_SESSIONS: "4" }).config.chdbSessions).toBe(4);
    expect(() => parseCommandLine(["--chdb-sessions", "two"], {})).toThrow(/--chdb-sessions/);
  });

  test("config: the WAL's folder defaults to the data dir and can be set apart", () => {
    expect(parseCommandLine([], {}).config.walDir).toBeUndefined();
    expect(parseCommandLine(["--wal-dir", "wal-disk"], {}).config.walDir).toBe(path.resolve("wal-disk"));
    expect(parseCommandLine([], { EDGEFLOW_WAL_DIR: "/mnt/wal" }).config.walDir).toBe("/mnt/wal");
  });

  test("config: sizes accept units", () => {
    expect(parseCommandLine(["--wal-segment-bytes", "8MiB"], {}).config.walSegmentBytes).toBe(8 * 1024 * 1024);
    expect(parseCommandLine(["--body-bytes-max", "65536"], {}).config.bodyBytesMax).toBe(65536);
  });

  test.each([
    [["--nope"], /Unknown option '--nope'/],
    [["--port", "abc"], /invalid value "abc" for --port/],
    [["--port", "70000"], /--port/],
    [["--log-level", "loud"], /--log-level/],
    [["frobnicate"], /unknown command "frobnicate"/],
    [["serve", "extra"], /unexpected argument/],
    [["--wal-segment-bytes", "lots"], /--wal-segment-bytes/],
  ])("config: %p is refused with one clear line", (argv, pattern) => {
    let message = "";
    try {
      parseCommandLine(argv as string[], {});
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(pattern);
    expect(message.includes("\n")).toBe(false);
  });

  test("config: a bad environment value names the variable", () => {
    expect(() => parseCommandLine([], { EDGEFLOW_PORT: "x" })).toThrow(/EDGEFLOW_PORT/);
  });

  test("config: help lists every flag with its environment variable", () => {
    const text = helpText("1.2.3");
    for (const flag of ["--port", "--data-dir", "--admin-token", "--clickhouse-url", "--log-level"]) expect(text).toContain(flag);
    expect(text).toContain("EDGEFLOW_ADMIN_TOKEN");
  });
});
