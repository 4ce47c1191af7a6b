/**
 * The same cases against both engines: chDB in-process and a real ClickHouse server (Debian's
 * 18.16, started by the harness, or EDGEFLOW_TEST_CLICKHOUSE_URL). Each store gets its own
 * database, so the cases share one chDB session and one server.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { isRetriable, quoteString, type Row, type Store, type StoreEngine } from "../../src/store/index.ts";
import { uniqueDatabaseName } from "../support/clickhouse-server.ts";
import { openEngineStore } from "../support/engine-store.ts";
import { failureOf } from "../support/errors.ts";

/** Rows each engine returned for the shared cases, compared across engines at the end. */
const answers: Record<string, Partial<Record<StoreEngine, Row[]>>> = {};
function record(name: string, engine: StoreEngine, rows: Row[]): void {
  (answers[name] ??= {})[engine] = rows;
}

const int64Sql = `SELECT
  toInt64('-9223372036854775808') AS int64_min,
  toInt64('9223372036854775807') AS int64_max,
  toUInt64('18446744073709551615') AS uint64_max,
  toInt64(9007199254740993) AS past_2_53,
  toInt32(-2147483648) AS int32_min,
  toUInt32(4294967295) AS uint32_max,
  toUInt8(255) AS uint8,
  toFloat64(0.1) AS float,
  count() AS count_is_uint64`;

const int64Expected = {
  int64_min: "-9223372036854775808",
  int64_max: "9223372036854775807",
  uint64_max: "18446744073709551615",
  past_2_53: "9007199254740993",
  int32_min: -2147483648,
  uint32_max: 4294967295,
  uint8: 255,
  float: 0.1,
  count_is_uint64: "1",
};

for (const engine of ["chdb", "clickhouse"] as const) {
  describe(`store: ${engine}`, () => {
    let store: Store;

    beforeAll(async () => {
      // Starting the shared server can take longer than bun's 5 s default.
      store = await openEngineStore(engine, uniqueDatabaseName(`it_${engine}`));
    }, 60_000);

    afterAll(async () => {
      await store?.exec(`DROP DATABASE IF EXISTS ${store.database}`);
      await store?.close();
    });

    test(`store: ${engine}: ping is ready and the version is probed`, async () => {
      const health = await store.ping();
      expect(health.ready).toBe(true);
      expect(health.engine).toBe(engine);
      const info = await store.serverInfo();
      expect(info.version).toMatch(/^\d+\.\d+\.\d+/);
      expect(await store.serverVersion()).toBe(info.version);
      // 18.16 has none of the extras; chDB's 26.x has all of them.
      expect(info.features.asyncInsert).toBe(info.versionParts[0] >= 21);
      expect(info.features.insertDeduplicationToken).toBe(info.versionParts[0] >= 22);
      expect(info.features.windowFunctions).toBe(info.versionParts[0] >= 22);
    });

    test(`store: ${engine}: creating the database is idempotent`, async () => {
      await store.exec("CREATE TABLE kept (x UInt8) ENGINE = TinyLog");
      await store.insert({ table: "kept", format: "TSV", body: "7\n" });
      const again = await openEngineStore(engine, store.database);
      try {
        expect(await again.query("SELECT x FROM kept")).toEqual([{ x: 7 }]);
        const databases = await again.query(`SELECT count() AS n FROM system.databases WHERE name = ${quoteString(store.database)}`);
        expect(databases).toEqual([{ n: "1" }]);
      } finally {
        await again.close();
      }
    });

    test(`store: ${engine}: JSONEachRow rows round-trip through insert and query`, async () => {
      await store.exec(`CREATE TABLE events (
        id Int64, ts Int64, label String, score Float64, props Nested(key String, value String)
      ) ENGINE = ReplacingMergeTree(ts) ORDER BY (label, id)`);
      const body = [
        '{"id":1,"ts":1700000000000,"label":"follows","score":0.5,"props.key":["since","src"],"props.value":["2020","app"]}',
        '{"id":2,"ts":1700000000001,"label":"follows","score":-1.25,"props.key":[],"props.value":[]}',
        '{"id":3,"ts":1700000000002,"label":"likes","score":1e-7,"props.key":["emoji"],"props.value":["😀 \\"q\\" \\\\ \\t"]}',
      ].join("\n");
      const result = await store.insert({ table: "events", format: "JSONEachRow", body });
      expect(result.bodyBytes).toBe(Buffer.byteLength(body));
      const rows = await store.query("SELECT id, ts, label, score, props.key, props.value FROM events ORDER BY id");
      expect(rows).toEqual([
        { id: "1", ts: "1700000000000", label: "follows", score: 0.5, "props.key": ["since", "src"], "props.value": ["2020", "app"] },
        { id: "2", ts: "1700000000001", label: "follows", score: -1.25, "props.key": [], "props.value": [] },
        { id: "3", ts: "1700000000002", label: "likes", score: 1e-7, "props.key": ["emoji"], "props.value": ['😀 "q" \\ \t'] },
      ]);
      record("jsoneachrow", engine, rows);
    });

    test(`store: ${engine}: TSV rows round-trip with escaped tabs, newlines and backslashes`, async () => {
      await store.exec("CREATE TABLE tsv (id Int64, s String) ENGINE = MergeTree ORDER BY id");
      await store.insert({ table: "tsv", format: "TSV", body: Buffer.from("1\ta\\tb\\nc\\\\d\n2\t日本\n") });
      const rows = await store.query("SELECT id, s FROM tsv ORDER BY id");
      expect(rows).toEqual([
        { id: "1", s: "a\tb\nc\\d" },
        { id: "2", s: "日本" },
      ]);
      record("tsv", engine, rows);
    });

    test(`store: ${engine}: 64-bit integers come back as exact decimal strings, narrower ones as numbers`, async () => {
      const rows = await store.query(int64Sql);
      expect(rows).toEqual([int64Expected]);
      record("int64", engine, rows);
      await store.exec("CREATE TABLE wide (a Int64, b UInt64) ENGINE = MergeTree ORDER BY a");
      // JSON numbers past 2^53 and quoted numbers are both read exactly.
      await store.insert({
        table: "wide",
        format: "JSONEachRow",
        body: '{"a":-9223372036854775808,"b":18446744073709551615}\n{"a":"9007199254740993","b":"1"}\n',
      });
      const wide = await store.query("SELECT a, b FROM wide ORDER BY a");
      expect(wide).toEqual([
        { a: "-9223372036854775808", b: "18446744073709551615" },
        { a: "9007199254740993", b: "1" },
      ]);
      record("int64_insert", engine, wide);
    });

    test(`store: ${engine}: an omitted field gets its type's zero value, not the DEFAULT expression`, async () => {
      await store.exec("CREATE TABLE defaults (a Int64, b Int64 DEFAULT a + 7, s String) ENGINE = MergeTree ORDER BY a");
      await store.insert({ table: "defaults", format: "JSONEachRow", body: '{"a":1}\n' });
      const rows = await store.query("SELECT a, b, s FROM defaults");
      expect(rows).toEqual([{ a: "1", b: "0", s: "" }]);
      record("defaults", engine, rows);
    });

    test(`store: ${engine}: the core graph SQL (FINAL, LIMIT BY, -If combinators, MV TO) runs unchanged`, async () => {
      await store.exec(`CREATE TABLE edge_log (
        label String, src String, dst String, ts Int64, op String, prop String, value Int64
      ) ENGINE = MergeTree ORDER BY (label, src, dst, ts)`);
      await store.exec(`CREATE TABLE edges_latest (label String, src String, dst String, ts Int64)
        ENGINE = ReplacingMergeTree(ts) ORDER BY (label, src, dst)`);
      await store.exec(`CREATE MATERIALIZED VIEW edges_mv TO edges_latest
        AS SELECT label, src, dst, ts FROM edge_log`);
      await store.insert({
        table: "edge_log",
        format: "TSV",
        body: "follows\ta\tb\t10\tinsert\tw\t1\nfollows\ta\tb\t20\tincrement\tw\t5\nfollows\ta\tc\t15\tinsert\tw\t2\nfollows\ta\tc\t30\tdelete\t\t0\n",
      });
      const folded = await store.query(`SELECT src, dst,
          maxIf(ts, op = 'delete') AS deleted_at,
          argMaxIf(value, ts, op = 'insert') AS inserted_value,
          sumIf(value, op = 'increment') AS increments
        FROM edge_log GROUP BY label, src, dst ORDER BY src, dst`);
      expect(folded).toEqual([
        { src: "a", dst: "b", deleted_at: "0", inserted_value: "1", increments: "5" },
        { src: "a", dst: "c", deleted_at: "30", inserted_value: "2", increments: "0" },
      ]);
      const latest = await store.query("SELECT src, dst, ts FROM edges_latest FINAL ORDER BY src, dst");
      expect(latest).toEqual([
        { src: "a", dst: "b", ts: "20" },
        { src: "a", dst: "c", ts: "30" },
      ]);
      const newestPerSource = await store.query("SELECT src, dst FROM edge_log ORDER BY ts DESC LIMIT 1 BY src");
      expect(newestPerSource).toEqual([{ src: "a", dst: "c" }]);
      record("graph", engine, [...folded, ...latest, ...newestPerSource]);
    });

    test(`store: ${engine}: an empty insert writes nothing and does not fail`, async () => {
      expect(await store.insert({ table: "kept", format: "JSONEachRow", body: "" })).toEqual({ bodyBytes: 0, rowsWritten: 0 });
    });

    test(`store: ${engine}: a bad query is invalid with its ClickHouse code`, async () => {
      const syntax = await failureOf(store.query("SELEC 1"));
      expect(syntax.kind).toBe("invalid");
      expect(syntax.detail.clickhouseCode).toBe(62);
      expect(syntax.detail.engine).toBe(engine);
      expect(isRetriable(syntax)).toBe(false);
      const unknownTable = await failureOf(store.query("SELECT * FROM no_such_table"));
      expect(unknownTable.kind).toBe("invalid");
      expect(unknownTable.detail.clickhouseCode).toBe(60);
      const badDdl = await failureOf(store.exec("CREATE TABLE broken (x NoSuchType) ENGINE = TinyLog"));
      expect(badDdl.kind).toBe("invalid");
      expect(badDdl.detail.clickhouseCode).toBe(50);
    });

    test(`store: ${engine}: bad insert data is invalid, and nothing of it is written`, async () => {
      await store.exec("CREATE TABLE strict (a Int64, s String) ENGINE = MergeTree ORDER BY a");
      const unknownField = await failureOf(store.insert({ table: "strict", format: "JSONEachRow", body: '{"a":1,"s":"x"}\n{"a":2,"zz":1}\n' }));
      expect(unknownField.kind).toBe("invalid");
      const badNumber = await failureOf(store.insert({ table: "strict", format: "TSV", body: "1\tok\nnot-a-number\tx\n" }));
      expect(badNumber.kind).toBe("invalid");
      expect(typeof badNumber.detail.clickhouseCode).toBe("number");
      const missingTable = await failureOf(store.insert({ table: "absent", format: "TSV", body: "1\n" }));
      expect(missingTable.kind).toBe("invalid");
      expect(missingTable.detail.clickhouseCode).toBe(60);
      expect(await store.query("SELECT count() AS n FROM strict")).toEqual([{ n: "0" }]);
    });

    test(`store: ${engine}: a mid-result exception is a failure, not a shorter result`, async () => {
      const error = await failureOf(store.query("SELECT throwIf(number = 150000) AS x FROM system.numbers LIMIT 200000"));
      expect(error.kind).toBe("invalid");
      expect(error.detail.clickhouseCode).toBe(395);
    });

    test(`store: ${engine}: a setting the server does not know fails the insert as invalid`, async () => {
      const error = await failureOf(
        store.insert({ table: "kept", format: "TSV", body: "1\n", settings: { no_such_setting_anywhere: 1 } }),
      );
      expect(error.kind).toBe("invalid");
      expect(error.detail.clickhouseCode).toBe(115);
    });

    test(`store: ${engine}: insert names must be plain identifiers`, async () => {
      const error = await failureOf(store.insert({ table: "x; DROP TABLE kept", format: "TSV", body: "1\n" }));
      expect(error.kind).toBe("invalid");
      expect(error.code).toBe("store.invalid_name");
    });
  });
}

describe("store: both engines", () => {
  test("store: both engines: the same SQL gives identical rows on chDB and the server", () => {
    for (const [name, byEngine] of Object.entries(answers)) {
      expect(byEngine.chdb, `chdb answer for ${name}`).toBeDefined();
      expect(byEngine.clickhouse, `clickhouse answer for ${name}`).toBeDefined();
      expect(byEngine.clickhouse).toEqual(byEngine.chdb as Row[]);
    }
    expect(Object.keys(answers).sort()).toEqual(["defaults", "graph", "int64", "int64_insert", "jsoneachrow", "tsv"]);
  });
});
