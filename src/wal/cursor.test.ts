import { expect, test } from "bun:test";
import { EdgeflowError } from "../lib/index.ts";
import { FaultFileLayer, type WalOptions, openWal } from "./index.ts";
import { record, recordId, tempDirsPerTest } from "./test-util.ts";

const dirPerTest = tempDirsPerTest();

function onDisk(extra: Partial<WalOptions> = {}): WalOptions {
  return { dir: dirPerTest(), segmentBytesMax: 4096, groupCommitWindowMs: 0, ...extra };
}

const ids = (records: { payload: Uint8Array }[]) => records.map((r) => recordId(r.payload));
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

test("wal: cursor: tails new appends, woken by the write rather than by polling", async () => {
  const wal = await openWal(onDisk());
  const cursor = wal.openCursor(1);
  expect(cursor.read()).toEqual([]);
  const next = cursor.next({ timeoutMs: 5000 });
  await wal.append([record(1), record(2)], { sync: false });
  const got = await next;
  expect(got.map((r) => r.seq)).toEqual([1, 2]);
  expect(ids(got)).toEqual([1, 2]);
  expect(cursor.nextSeq).toBe(3);
  const later = cursor.next({ timeoutMs: 5000 });
  await wal.append([record(3)], { sync: true });
  expect(ids(await later)).toEqual([3]);
  await wal.close();
});

test("wal: cursor: reads across segments in order, in batches bounded by count and bytes", async () => {
  const wal = await openWal(onDisk());
  for (let i = 1; i <= 100; i++) await wal.append([record(i, 100)], { sync: false });
  const cursor = wal.openCursor(5);
  expect(ids(cursor.read({ recordCountMax: 10 }))).toEqual(range(5, 14));
  expect(ids(cursor.read({ bytesMax: 250 }))).toEqual(range(15, 16)); // 2 x 100 bytes fit, a third does not
  expect(ids(cursor.read({ bytesMax: 10 }))).toEqual([17]); // a batch holds at least one record
  expect(ids(cursor.read())).toEqual(range(18, 100));
  expect(cursor.read()).toEqual([]);
  // A cursor opened in the middle of a later segment skips to its record.
  expect(ids(wal.openCursor(70).read({ recordCountMax: 3 }))).toEqual([70, 71, 72]);
  await wal.close();
});

test("wal: cursor: durableOnly returns only records covered by an fsync", async () => {
  const fsx = new FaultFileLayer();
  const wal = await openWal({ dir: "/wal", fs: fsx, groupCommitWindowMs: 0, syncIntervalMs: 60_000 });
  await wal.append([record(1)], { sync: true });
  await wal.append([record(2)], { sync: false });
  const durable = wal.openCursor(1, { durableOnly: true });
  expect(ids(durable.read())).toEqual([1]);
  expect(ids(wal.openCursor(1).read())).toEqual([1, 2]);
  const woken = durable.next({ timeoutMs: 5000 });
  await wal.append([record(3)], { sync: true });
  expect(ids(await woken)).toEqual([2, 3]);
  await wal.close();
});

test("wal: cursor: a record deleted after a checkpoint is refused as not_found", async () => {
  const wal = await openWal(onDisk());
  for (let i = 1; i <= 80; i++) await wal.append([record(i, 100)], { sync: false });
  await wal.checkpoint(70);
  const err = (() => {
    try {
      wal.openCursor(3).read();
    } catch (e) {
      return e;
    }
  })();
  expect(err).toBeInstanceOf(EdgeflowError);
  expect((err as EdgeflowError).code).toBe("wal_seq_gone");
  expect(ids(wal.openCursor().read())).toEqual(range(71, 80));
  await wal.close();
});

test("wal: cursor: waiting ends with false on timeout or abort, and with an error when the log fails", async () => {
  const fsx = new FaultFileLayer();
  const wal = await openWal({ dir: "/wal", fs: fsx, groupCommitWindowMs: 0 });
  const cursor = wal.openCursor(1);
  expect(await cursor.wait({ timeoutMs: 5 })).toBe(false);
  const abort = new AbortController();
  const aborted = cursor.wait({ signal: abort.signal });
  abort.abort();
  expect(await aborted).toBe(false);
  const waiting = cursor.wait().then(() => "woken", (e: unknown) => (e as EdgeflowError).code);
  fsx.failOn("write");
  await wal.append([record(1)], { sync: false }).catch(() => undefined);
  expect(await waiting).toBe("wal_failed");
  expect(wal.metrics().cursorCount).toBe(1);
  cursor.close();
  expect(wal.metrics().cursorCount).toBe(0);
  await wal.close();
});

test("wal: cursor: records appended after a reopen continue the same sequence", async () => {
  const options = onDisk();
  const wal = await openWal(options);
  await wal.append([record(1), record(2)], { sync: true });
  await wal.close();
  const again = await openWal(options);
  const cursor = again.openCursor(1);
  expect(ids(cursor.read())).toEqual([1, 2]);
  await again.append([record(3)], { sync: true });
  expect(cursor.read().map((r) => r.seq)).toEqual([3]);
  await again.close();
});
