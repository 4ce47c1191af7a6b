/**
 * R9's foundation: values quoted by the store round-trip exactly through both engines, and
 * quoting never changes a statement's structure. Prints its seed; `SEED=<n>` replays a run,
 * `QUOTING_RUNS=<n>` changes the number of cases per property.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import fc from "fast-check";
import { quoteIdentifier, quoteString, quoteValue, type Store } from "../../src/store/index.ts";
import { uniqueDatabaseName } from "../support/clickhouse-server.ts";
import { openEngineStore } from "../support/engine-store.ts";

const seed = process.env.SEED === undefined ? Date.now() % 2 ** 31 : Number(process.env.SEED);
const numRuns = Number(process.env.QUOTING_RUNS ?? 300);
console.log(`store quoting: SEED=${seed} (${numRuns} runs per property)`);
/** bun's default per-test timeout is 5 s; allow about 5 ms per run on a slow machine. */
const timeoutMs = Math.max(30_000, numRuns * 5);

/** Characters that break naive quoting, mixed with any code point and any byte-range character. */
const nasty = fc.constantFrom(
  "'", "\\", "`", '"', "\0", "\n", "\r", "\t", "\x7f", "\x1b", "\u2028", "\u2029", "\uFEFF",
  "\\'", "\\\\", "\\x", "\\0", "\\n", "''", "?", "{", "}", "{x:String}", "--", "/*", "*/", ";", "$$", "%s", "😀",
);
const unit = fc.oneof(
  { weight: 3, arbitrary: nasty },
  { weight: 4, arbitrary: fc.string({ unit: "binary", minLength: 1, maxLength: 1 }) },
  { weight: 3, arbitrary: fc.string({ unit: "binary-ascii", minLength: 1, maxLength: 1 }) },
);
const anyString = fc.string({ unit, maxLength: 40 });

/** The numbers quoteValue accepts: not subnormal, and not an integer in the 64-bit range past 2^53. */
function quotableNumber(value: number): boolean {
  const subnormal = value !== 0 && Math.abs(value) < 2.2250738585072014e-308;
  const lostId = Number.isInteger(value) && !Number.isSafeInteger(value) && Math.abs(value) < 2 ** 64;
  return !subnormal && !lostId;
}

for (const engine of ["chdb", "clickhouse"] as const) {
  describe(`store: ${engine}: quoting`, () => {
    let store: Store;

    beforeAll(async () => {
      store = await openEngineStore(engine, uniqueDatabaseName(`quote_${engine}`));
    }, 60_000);

    afterAll(async () => {
      await store?.exec(`DROP DATABASE IF EXISTS ${store.database}`);
      await store?.close();
    });

    test(`store: ${engine}: quoted strings round-trip exactly, as one row of one column`, async () => {
      await fc.assert(
        fc.asyncProperty(anyString, async (value) => {
          const rows = await store.query<Record<string, unknown>>(`SELECT ${quoteString(value)} AS v`);
          expect(rows.length).toBe(1);
          expect(Object.keys(rows[0] ?? {})).toEqual(["v"]);
          expect(rows[0]?.v).toBe(value);
        }),
        { seed, numRuns },
      );
    }, timeoutMs);

    test(`store: ${engine}: a quoted string used twice in one statement keeps the statement's shape`, async () => {
      await fc.assert(
        fc.asyncProperty(anyString, anyString, async (a, b) => {
          const qa = quoteString(a);
          const qb = quoteString(b);
          const rows = await store.query(
            `SELECT ${qa} = ${qb} AS same, length(${qa}) AS bytes, ${qb} AS b -- ${qa}\nFROM system.one WHERE ${qa} != ${qb} OR 1 = 1`,
          );
          expect(rows).toEqual([{ same: a === b ? 1 : 0, bytes: String(Buffer.byteLength(a)), b }]);
        }),
        { seed, numRuns: Math.ceil(numRuns / 3) },
      );
    }, timeoutMs);

    test(`store: ${engine}: quoted identifiers name exactly the column they quote`, async () => {
      const name = fc.string({ unit, minLength: 1, maxLength: 30 });
      await fc.assert(
        fc.asyncProperty(name, async (value) => {
          const rows = await store.query<Record<string, unknown>>(`SELECT 1 AS ${quoteIdentifier(value)}`);
          expect(rows).toEqual([{ [value]: 1 }]);
        }),
        { seed, numRuns: Math.ceil(numRuns / 3) },
      );
    }, timeoutMs);

    test(`store: ${engine}: quoted numbers and bigints read back as the same value`, async () => {
      const number = fc.double({ noNaN: true, noDefaultInfinity: true }).filter(quotableNumber);
      const integer = fc.oneof(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }));
      await fc.assert(
        fc.asyncProperty(number, integer, fc.boolean(), async (n, i, flag) => {
          const rows = await store.query<{ n: number | string; i: number | string; f: number; z: null }>(
            `SELECT ${quoteValue(n)} AS n, ${quoteValue(i)} AS i, ${quoteValue(flag)} AS f, ${quoteValue(null)} AS z`,
          );
          expect(rows.length).toBe(1);
          const row = rows[0];
          // Integer-valued numbers are integer literals: 64-bit ones come back as strings.
          expect(Number(row?.n)).toBe(n === 0 ? 0 : n);
          expect(BigInt(row?.i ?? "x")).toBe(i);
          expect(row?.f).toBe(flag ? 1 : 0);
          expect(row?.z).toBeNull();
        }),
        { seed, numRuns: Math.ceil(numRuns / 2) },
      );
    }, timeoutMs);
  });
}
