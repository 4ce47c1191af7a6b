/**
 * Property tests of the log's promise (RELIABILITY.md R1 and R2): whatever the appends, the
 * crashes, the injected I/O errors and the damage, the log recovers exactly a prefix of what was
 * appended, with every acknowledged record in it; nothing invented, nothing reordered; and
 * damage followed by valid data is an explicit "corrupt" error, never another exception.
 *
 * Every run prints its seed; `SEED=<n> bun test src/wal/properties` replays it.
 */
import { expect, test } from "bun:test";
import fc from "fast-check";
import { EdgeflowError } from "../lib/index.ts";
import { FaultFileLayer, type FileLayer, type Wal, type WalOptions, openWal } from "./index.ts";
import { resolveOptions } from "./options.ts";
import { frameMap, record, recordId, testSeed } from "./test-util.ts";

const DIR = "/wal";
const RUNS = Number(process.env.WAL_PROPERTY_RUNS ?? 150);

// ---------------------------------------------------------------------------------------------
// R2: crashes and faults

interface AppendSpec {
  count: number;
  size: number;
  sync: boolean;
}

interface CrashScenario {
  /** Each round appends concurrently, then may checkpoint at a percentage of the last sequence number. */
  rounds: { appends: AppendSpec[]; checkpointPercent: number | null }[];
  crashAt: number | null;
  crashMode: "process" | "power";
  capacityBytes: number | null;
  shortWrites: boolean;
  fsSeed: number;
  groupCommitWindowMs: number;
  syncIntervalMs: number;
  crashDuringReopenAt: number | null;
}

/** `arb` with probability `p`, else null. */
const sometimes = <T>(arb: fc.Arbitrary<T>, p: number): fc.Arbitrary<T | null> =>
  fc.oneof({ arbitrary: arb, weight: Math.round(p * 100) }, { arbitrary: fc.constant(null), weight: Math.round((1 - p) * 100) });

const crashScenario: fc.Arbitrary<CrashScenario> = fc.record({
  rounds: fc.array(
    fc.record({
      appends: fc.array(fc.record({ count: fc.integer({ min: 1, max: 4 }), size: fc.integer({ min: 8, max: 400 }), sync: fc.boolean() }), { minLength: 1, maxLength: 5 }),
      checkpointPercent: sometimes(fc.integer({ min: 0, max: 100 }), 0.4),
    }),
    { minLength: 1, maxLength: 14 },
  ),
  crashAt: sometimes(fc.integer({ min: 1, max: 150 }), 0.5),
  crashMode: fc.constantFrom("process" as const, "power" as const, "power" as const),
  capacityBytes: sometimes(fc.integer({ min: 4200, max: 30_000 }), 0.3),
  shortWrites: fc.boolean(),
  fsSeed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
  groupCommitWindowMs: fc.constantFrom(0, 1),
  syncIntervalMs: fc.constantFrom(1, 1000),
  crashDuringReopenAt: sometimes(fc.integer({ min: 1, max: 12 }), 0.25),
});

interface LedgerEntry {
  ids: number[];
  sync: boolean;
  status: "pending" | "acked" | "refused";
  firstSeq?: number;
  code?: string;
}

/** What the runs exercised, printed after the property so a reader can see it is not vacuous. */
const coverage = { runs: 0, failedLog: 0, diskFull: 0, tornTail: 0, lostUnsynced: 0, reopenCrashed: 0, checkpointed: 0, segmentsMax: 0 };

const ALLOWED_REFUSALS = new Set(["wal_failed", "wal_disk_full", "wal_queue_full"]);

async function runRounds(wal: Wal, s: CrashScenario, ledger: LedgerEntry[]): Promise<void> {
  let nextId = 1;
  for (const round of s.rounds) {
    if (wal.failed) break;
    const answers = round.appends.map((a) => {
      const entry: LedgerEntry = { ids: Array.from({ length: a.count }, (_, i) => nextId + i), sync: a.sync, status: "pending" };
      nextId += a.count;
      ledger.push(entry);
      return wal.append(entry.ids.map((id) => record(id, a.size)), { sync: a.sync }).then(
        (r) => {
          entry.status = "acked";
          entry.firstSeq = r.firstSeq;
          expect(r.lastSeq - r.firstSeq + 1).toBe(a.count);
        },
        (e: unknown) => {
          entry.status = "refused";
          expect(e).toBeInstanceOf(EdgeflowError);
          entry.code = (e as EdgeflowError).code;
          expect(ALLOWED_REFUSALS.has(entry.code)).toBe(true);
        },
      );
    });
    await Promise.all(answers);
    if (round.checkpointPercent !== null && !wal.failed) {
      await wal.checkpoint(Math.floor((round.checkpointPercent * wal.lastSeq) / 100)).catch((e: unknown) => expect(e).toBeInstanceOf(EdgeflowError));
    }
  }
}

/** Reopens after a crash, optionally crashing again during recovery first. */
async function reopen(fsx: FaultFileLayer, options: WalOptions, crashDuringReopenAt: number | null): Promise<Wal> {
  if (crashDuringReopenAt !== null) {
    fsx.crashAt(crashDuringReopenAt);
    coverage.reopenCrashed++;
    try {
      const w = await openWal(options);
      await w.close();
    } catch (e) {
      expect(e).toBeInstanceOf(EdgeflowError);
    }
    fsx.crash("power");
  }
  return openWal(options);
}

function readAll(wal: Wal): { seq: number; id: number }[] {
  return wal.openCursor(wal.checkpointSeq + 1).read({ recordCountMax: 1_000_000 }).map((r) => ({ seq: r.seq, id: recordId(r.payload) }));
}

/** The heart of R2: acked ⊆ recovered ⊆ appended, as a prefix in order. */
function checkRecovered(ledger: LedgerEntry[], recovered: { seq: number; id: number }[], cp: number, mode: "process" | "power"): void {
  // Records refused before they reached the disk never appear; the others may, in call order.
  const order = ledger.filter((e) => e.status !== "refused" || e.code === "wal_failed").flatMap((e) => e.ids);
  recovered.forEach((r, i) => expect(r.seq).toBe(cp + 1 + i));
  expect(recovered.map((r) => r.id)).toEqual(order.slice(cp, cp + recovered.length));
  const end = cp + recovered.length;
  for (const e of ledger) {
    if (e.status !== "acked") continue;
    expect(e.firstSeq).toBe(order.indexOf(e.ids[0]!) + 1);
    const lastSeq = e.firstSeq! + e.ids.length - 1;
    if ((e.sync || mode === "process") && lastSeq > end && lastSeq > cp) {
      throw new Error(`acknowledged record lost: ${e.sync ? "sync" : "async"} append ending at seq ${lastSeq}, recovered only to ${end} (checkpoint ${cp}, ${mode} crash)`);
    }
  }
}

function noteCoverage(failed: boolean, before: Wal, after: Wal, ledger: LedgerEntry[], recoveredCount: number): void {
  coverage.runs++;
  if (failed) coverage.failedLog++;
  if (ledger.some((e) => e.code === "wal_disk_full")) coverage.diskFull++;
  if (after.recovery.tornTail) coverage.tornTail++;
  if (after.checkpointSeq > 0) coverage.checkpointed++;
  const attempted = ledger.filter((e) => e.status === "acked").reduce((n, e) => Math.max(n, e.firstSeq! + e.ids.length - 1), 0);
  if (after.checkpointSeq + recoveredCount < attempted) coverage.lostUnsynced++;
  coverage.segmentsMax = Math.max(coverage.segmentsMax, before.metrics().segmentsCreatedTotal + 1);
}

async function runCrashScenario(s: CrashScenario, extra: Partial<WalOptions> = {}, wrap?: (f: FaultFileLayer) => FileLayer): Promise<void> {
  const fsx = new FaultFileLayer({ seed: s.fsSeed, capacityBytes: s.capacityBytes ?? Infinity, shortWrites: s.shortWrites });
  const options: WalOptions = {
    dir: DIR, fs: wrap ? wrap(fsx) : fsx, segmentBytesMax: 4096, diskBytesMax: 1 << 20,
    groupCommitWindowMs: s.groupCommitWindowMs, syncIntervalMs: s.syncIntervalMs, ...extra,
  };
  const wal = await openWal(options);
  if (s.crashAt !== null) fsx.crashAt(s.crashAt);
  const ledger: LedgerEntry[] = [];
  await runRounds(wal, s, ledger);
  const failedBeforeCrash = wal.failed;
  fsx.crash(s.crashMode);
  await wal.close(); // the old process is gone; its files are closed, so this only fails it
  fsx.capacityBytes = Infinity;
  fsx.shortWrites = false;
  const again = await reopen(fsx, options, s.crashDuringReopenAt);
  const recovered = readAll(again);
  noteCoverage(failedBeforeCrash, wal, again, ledger, recovered.length);
  checkRecovered(ledger, recovered, again.checkpointSeq, s.crashDuringReopenAt === null ? s.crashMode : "power");
  // New writes after recovery read back after what was recovered.
  const cp = again.checkpointSeq;
  await again.append([record(900_001), record(900_002)], { sync: true });
  await again.close();
  const last = await openWal(options);
  expect(readAll(last).map((r) => r.id)).toEqual([...recovered.filter((r) => r.seq > last.checkpointSeq).map((r) => r.id), 900_001, 900_002]);
  expect(last.checkpointSeq).toBe(cp);
  await last.close();
}

test("wal: property: after any appends, crashes and injected faults, recovery yields a prefix holding every acknowledged record", async () => {
  const seed = testSeed("wal-crash-property");
  await fc.assert(fc.asyncProperty(crashScenario, (s) => runCrashScenario(s)), { seed, numRuns: RUNS });
  console.log("[wal-crash-property] covered", JSON.stringify(coverage));
  expect(coverage.failedLog).toBeGreaterThan(0);
  expect(coverage.lostUnsynced).toBeGreaterThan(0);
}, 120_000);

/** A durability test that cannot fail proves nothing: break durability on purpose and watch it fail. */
async function propertyFails(name: string, run: (s: CrashScenario) => Promise<void>): Promise<string> {
  const seed = testSeed(name);
  const powerCuts = crashScenario.map((s) => ({ ...s, crashMode: "power" as const, crashAt: null, capacityBytes: null, syncIntervalMs: 1000 }));
  const details = await fc.check(fc.asyncProperty(powerCuts, run), { seed, numRuns: 200 });
  expect(details.failed).toBe(true);
  if (process.env.WAL_PROPERTY_VERBOSE) console.log(name, details.numRuns, String(details.errorInstance).slice(0, 600));
  return String(details.errorInstance);
}

test("wal: property: fails when sync appends are acknowledged before their fsync (broken on purpose)", async () => {
  const error = await propertyFails("wal-broken-ack-before-sync", (s) => runCrashScenario(s, { testOnlyAckBeforeSync: true }));
  expect(error).toContain("acknowledged record lost: sync append");
}, 120_000);

test("wal: property: fails when the folder is never fsynced, so new segments can vanish (broken on purpose)", async () => {
  const noDirSync = (f: FaultFileLayer): FileLayer =>
    new Proxy(f, {
      get(target, key) {
        if (key === "fsyncDir") return () => {};
        const value: unknown = Reflect.get(target, key);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  const error = await propertyFails("wal-broken-no-dir-fsync", (s) => runCrashScenario(s, {}, noDirSync));
  // A vanished segment shows up as lost records, or as a hole recovery refuses as corruption.
  expect(error).toMatch(/acknowledged record lost|missing|corrupt/);
}, 120_000);

// ---------------------------------------------------------------------------------------------
// R1: damage to files at rest

type DamageKind = "flip" | "truncate" | "zero-sector" | "stale-frame" | "garbage";

interface DamageScenario {
  appends: { count: number; size: number }[];
  kind: DamageKind;
  segmentPick: number;
  offsetPick: number;
  bit: number;
  garbage: Uint8Array;
  tight: boolean;
}

const damageScenario: fc.Arbitrary<DamageScenario> = fc.record({
  appends: fc.array(fc.record({ count: fc.integer({ min: 1, max: 3 }), size: fc.integer({ min: 8, max: 300 }) }), { minLength: 1, maxLength: 60 }),
  kind: fc.constantFrom<DamageKind>("flip", "flip", "truncate", "zero-sector", "stale-frame", "garbage"),
  segmentPick: fc.nat(),
  offsetPick: fc.nat(),
  bit: fc.integer({ min: 0, max: 7 }),
  garbage: fc.uint8Array({ minLength: 1, maxLength: 600 }),
  tight: fc.boolean(),
});

interface Damaged {
  /** The first sequence number whose bytes the damage may have touched. */
  firstDamagedSeq: number;
  /** Whether any record lies wholly after the damage, untouched: only then may the log call it corruption. */
  intactAfter: boolean;
  /**
   * Whether the log must call it corruption: intact records follow, the damage changed a
   * checked byte, and it cannot pass for a torn write (a zeroed sector near the end of the last
   * segment may; a flipped bit may only if it leaves a byte zero, which a torn sector would be).
   */
  mustBeCorrupt: boolean;
}

function damage(fsx: FaultFileLayer, s: DamageScenario, segments: string[], tornWindowBytes: number): Damaged {
  const index = s.segmentPick % segments.length;
  const file = `${DIR}/${segments[index]!}`;
  const bytes = fsx.fileBytes(file);
  const frames = frameMap(bytes);
  const segFirst = Number.parseInt(segments[index]!.slice(0, 16), 16);
  const seqAt = (offset: number) => (offset < 32 ? segFirst : (frames.find((f) => f.end > offset)?.seq ?? segFirst + frames.length));
  const o = s.offsetPick % bytes.length;
  let out = bytes;
  let from = bytes.length; // the damaged byte range in this file: [from, to)
  let to = Infinity;
  let mayLookTorn = false;
  if (s.kind === "flip") {
    out[o]! ^= 1 << s.bit;
    [from, to] = [o, o + 1];
    const inPadding = frames.some((f) => o >= f.payloadEnd && o < f.end);
    mayLookTorn = inPadding || out[o] === 0;
  } else if (s.kind === "truncate") {
    out = bytes.slice(0, o);
    from = o;
  } else if (s.kind === "zero-sector") {
    from = o - (o % 512);
    to = from + 512;
    out.fill(0, from, to);
    mayLookTorn = index === segments.length - 1 && bytes.length - from <= tornWindowBytes;
  } else {
    const pick = frames[o % Math.max(1, frames.length)];
    const extra = s.kind === "garbage" || !pick ? s.garbage : bytes.slice(pick.offset, pick.end);
    out = new Uint8Array(bytes.length + extra.length);
    out.set(bytes);
    out.set(extra, bytes.length);
  }
  fsx.setFileBytes(file, out);
  const laterRecords = segments.slice(index + 1).some((n) => frameMap(fsx.fileBytes(`${DIR}/${n}`)).length > 0);
  const intactAfter = laterRecords || frames.some((f) => f.offset >= to);
  return { firstDamagedSeq: seqAt(from), intactAfter, mustBeCorrupt: intactAfter && !mayLookTorn };
}

const damageCoverage = { runs: 0, corrupt: 0, torn: 0, clean: 0, repairedDropping: 0 };

async function runDamageScenario(s: DamageScenario): Promise<void> {
  damageCoverage.runs++;
  const fsx = new FaultFileLayer();
  const tight = s.tight ? { unsyncedBytesMax: 0, groupCommitBytesMax: 512, appendBytesMax: 1024 } : {};
  const options: WalOptions = { dir: DIR, fs: fsx, segmentBytesMax: 4096, groupCommitWindowMs: 0, ...tight };
  const wal = await openWal(options);
  const written: number[] = [];
  for (const [i, a] of s.appends.entries()) {
    const ids = Array.from({ length: a.count }, (_, k) => i * 10 + k);
    await wal.append(ids.map((id) => record(id, a.size)), { sync: true });
    written.push(...ids);
  }
  await wal.close();
  const segments = fsx.list(DIR).filter((n) => n.endsWith(".wal"));
  const tornWindowBytes = resolveOptions(options).tornWindowBytes;
  const { firstDamagedSeq, intactAfter, mustBeCorrupt } = damage(fsx, s, segments, tornWindowBytes);
  const checkPrefix = (ids: number[]) => {
    expect(ids).toEqual(written.slice(0, ids.length));
    expect(ids.length).toBeGreaterThanOrEqual(firstDamagedSeq - 1);
  };
  let plain: Wal | undefined;
  try {
    plain = await openWal(options);
  } catch (e) {
    expect(e).toBeInstanceOf(EdgeflowError);
    expect((e as EdgeflowError).kind).toBe("corrupt");
    damageCoverage.corrupt++;
    expect((e as EdgeflowError).message).toMatch(/(\.wal|checkpoint).* at byte offset \d+/);
    if (!intactAfter) throw new Error(`damage with nothing intact after it was called corruption: ${(e as Error).message}`);
  }
  if (plain && mustBeCorrupt) {
    throw new Error(`corruption followed by intact records was accepted: ${JSON.stringify(plain.recovery.tornTail ?? "no damage seen")}`);
  }
  if (plain) {
    if (plain.recovery.tornTail) damageCoverage.torn++;
    else damageCoverage.clean++;
    checkPrefix(readAll(plain).map((r) => r.id));
    await plain.close();
  }
  // Repair always opens, keeps a prefix, and new writes read back after it.
  const repaired = await openWal({ ...options, repair: true });
  const kept = readAll(repaired).map((r) => r.id);
  if (repaired.recovery.repairs.some((r) => r.recordsDropped > 0)) damageCoverage.repairedDropping++;
  checkPrefix(kept);
  await repaired.append([record(777_777)], { sync: true });
  await repaired.close();
  const after = await openWal(options);
  expect(readAll(after).map((r) => r.id)).toEqual([...kept, 777_777]);
  await after.close();
}

test("wal: property: truncation at any offset, bit flips, zeroed sectors and stale or garbage tails recover a prefix or fail as corrupt", async () => {
  const seed = testSeed("wal-damage-property");
  await fc.assert(fc.asyncProperty(damageScenario, runDamageScenario), { seed, numRuns: RUNS * 2 });
  console.log("[wal-damage-property] covered", JSON.stringify(damageCoverage));
  expect(damageCoverage.corrupt).toBeGreaterThan(0);
  expect(damageCoverage.torn).toBeGreaterThan(0);
}, 120_000);
