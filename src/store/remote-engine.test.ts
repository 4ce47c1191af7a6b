import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createServer } from "node:net";
import { failureOf } from "../../test/support/errors.ts";
import { isRetriable, openStore, type Store } from "./index.ts";

interface Seen {
  method: string;
  query: string;
  params: URLSearchParams;
}

/**
 * A stand-in for a ClickHouse 18.16 HTTP server that fails in the ways a real one rarely does
 * on demand: 200 responses carrying X-ClickHouse-Exception-Code, wrong passwords, slow answers.
 */
function fakeClickHouse(seen: Seen[]) {
  return Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(request) {
      const url = new URL(request.url);
      if (url.pathname === "/ping") return new Response("Ok.\n");
      const body = await request.text();
      const query = url.searchParams.get("query") ?? body;
      seen.push({ method: request.method, query, params: url.searchParams });
      if (request.headers.get("authorization") === `Basic ${btoa("default:wrong")}`) {
        return new Response("Code: 193, e.displayText() = DB::Exception: Wrong password for user default, e.what() = DB::Exception\n", { status: 401 });
      }
      if (query.includes("version()")) return new Response('{"version":"18.16.1"}\n');
      // What 18.16 answers to the probe: of the settings asked about, it knows only this one.
      if (query.includes("system.settings")) return new Response('{"name":"insert_distributed_sync"}\n');
      if (query.startsWith("CREATE DATABASE")) return new Response("");
      if (query.includes("sleepy")) {
        await Bun.sleep(2000);
        return new Response('{"x":1}\n');
      }
      if (query.startsWith("INSERT")) {
        return new Response("Code: 241, e.displayText() = DB::Exception: Memory limit (for query) exceeded\n", {
          status: 200,
          headers: { "X-ClickHouse-Exception-Code": "241" },
        });
      }
      return new Response('{"x":1}\nCode: 60, e.displayText() = DB::Exception: Table edgeflow.gone doesn\'t exist.\n', {
        status: 200,
        headers: { "X-ClickHouse-Exception-Code": "60" },
      });
    },
  });
}

async function refusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return address.port;
}

describe("store: clickhouse (fake server)", () => {
  const seen: Seen[] = [];
  let server: ReturnType<typeof fakeClickHouse>;
  let store: Store;

  beforeAll(async () => {
    server = fakeClickHouse(seen);
    store = await openStore({ engine: "clickhouse", url: `http://127.0.0.1:${server.port}`, requestTimeoutMs: 500 });
  });

  afterAll(async () => {
    await store?.close();
    server?.stop(true);
  });

  test("store: clickhouse: a 200 insert response carrying X-ClickHouse-Exception-Code is a failure", async () => {
    const error = await failureOf(store.insert({ table: "events", format: "JSONEachRow", body: '{"a":1}\n' }));
    expect(error.kind).toBe("overloaded");
    expect(error.detail.clickhouseCode).toBe(241);
    expect(isRetriable(error)).toBe(true);
  });

  test("store: clickhouse: a 200 query response carrying X-ClickHouse-Exception-Code is a failure, not one row", async () => {
    const error = await failureOf(store.query("SELECT x FROM gone"));
    expect(error.kind).toBe("invalid");
    expect(error.detail.clickhouseCode).toBe(60);
  });

  test("store: clickhouse: 18.16 is sent only settings it knows, each insert with its explicit settings", async () => {
    const insert = seen.find((request) => request.query.startsWith("INSERT"));
    expect(insert?.query).toBe("INSERT INTO `edgeflow`.`events` FORMAT JSONEachRow");
    const params = insert?.params;
    expect(params?.get("database")).toBe("edgeflow");
    expect(params?.get("insert_deduplicate")).toBe("1");
    expect(params?.get("insert_distributed_sync")).toBe("1");
    expect(params?.get("input_format_skip_unknown_fields")).toBe("0");
    expect(params?.get("input_format_allow_errors_num")).toBe("0");
    expect(params?.get("date_time_input_format")).toBe("basic");
    const select = seen.find((request) => request.query.startsWith("SELECT x FROM gone"));
    expect(select?.params.get("output_format_json_quote_64bit_integers")).toBe("1");
    expect(select?.params.get("wait_end_of_query")).toBe("1");
    for (const request of seen) {
      for (const modern of ["async_insert", "wait_for_async_insert", "input_format_defaults_for_omitted_fields", "distributed_foreground_insert"]) {
        expect(request.params.has(modern)).toBe(false);
      }
    }
    // The database is created before anything uses it, without naming it as the current one.
    const create = seen.find((request) => request.query.startsWith("CREATE DATABASE"));
    expect(create?.query).toBe("CREATE DATABASE IF NOT EXISTS `edgeflow`");
    expect(create?.params.has("database")).toBe(false);
  });

  test("store: clickhouse: a request over its timeout is unavailable and retriable", async () => {
    const error = await failureOf(store.query("SELECT sleepy"));
    expect(error.kind).toBe("unavailable");
    expect(isRetriable(error)).toBe(true);
  });

  test("store: clickhouse: calls past requestsInFlightMax fail fast as overloaded", async () => {
    const small = await openStore({
      engine: "clickhouse",
      url: `http://127.0.0.1:${server.port}`,
      requestTimeoutMs: 500,
      requestsInFlightMax: 2,
    });
    try {
      const slow = [small.query("SELECT sleepy"), small.query("SELECT sleepy")];
      expect(small.pending()).toBe(2);
      const error = await failureOf(small.query("SELECT 1"));
      expect(error.kind).toBe("overloaded");
      expect(isRetriable(error)).toBe(true);
      await Promise.allSettled(slow);
      expect(small.pending()).toBe(0);
    } finally {
      await small.close();
    }
  });

  test("store: clickhouse: the server version and its features come from the probe", async () => {
    expect(await store.serverVersion()).toBe("18.16.1");
    expect((await store.serverInfo()).features.asyncInsert).toBe(false);
  });

  test("store: clickhouse: a wrong password fails openStore as unauthorized", async () => {
    const error = await failureOf(
      openStore({ engine: "clickhouse", url: `http://127.0.0.1:${server.port}`, username: "default", password: "wrong" }),
    );
    expect(error.kind).toBe("unauthorized");
    expect(error.detail.clickhouseCode).toBe(193);
  });

  test("store: clickhouse: bad configuration fails openStore as invalid", async () => {
    expect((await failureOf(openStore({ engine: "clickhouse", url: "ftp://x" }))).kind).toBe("invalid");
    expect((await failureOf(openStore({ engine: "clickhouse", url: "http://127.0.0.1:1", database: "no-dash" }))).kind).toBe("invalid");
    expect((await failureOf(openStore({ engine: "clickhouse", url: "http://127.0.0.1:1", requestTimeoutMs: 0 }))).code).toBe("store.invalid_config");
  });
});

describe("store: clickhouse (nothing listening)", () => {
  test("store: clickhouse: an unreachable server opens degraded, and calls fail as unavailable", async () => {
    const warnings: string[] = [];
    const logger = { debug() {}, info() {}, error() {}, warn: (_: object, message: string) => warnings.push(message) };
    const store = await openStore({ engine: "clickhouse", url: `http://127.0.0.1:${await refusedPort()}` }, { logger });
    try {
      expect(warnings).toEqual(["ClickHouse not ready at open; retrying on use"]);
      const health = await store.ping();
      expect(health.ready).toBe(false);
      if (health.ready) return;
      expect(health.kind).toBe("unavailable");
      expect(health.reason).toContain("ECONNREFUSED");
      const error = await failureOf(store.query("SELECT 1"));
      expect(error.kind).toBe("unavailable");
      expect(error.detail.retryAfterSeconds).toBe(1);
    } finally {
      await store.close();
    }
  });
});
