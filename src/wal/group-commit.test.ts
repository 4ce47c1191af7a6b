import { expect, test } from "bun:test";
import { EdgeflowError } from "../lib/index.ts";
import { FaultFileLayer, type WalOptions, openWal } from "./index.ts";
import { waitFor } from "../../test/support/wait.ts";
import { countingFs, frameMap, record, recordId, tempDirsPerTest } from "./test-util.ts";

const newDir = tempDirsPerTest();

const mem = (fsx: FaultFileLayer, extra: Partial<WalOptions> = {}): WalOptions => ({
  dir: "/wal", fs: fsx, segmentBytesMax: 4096, groupCommitWindowMs: 0, ...extra,
});

async function rejection(p: Promise<unknown>): Promise<EdgeflowError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(EdgeflowError);
  return err as EdgeflowError;
}

async function readIds(options: WalOptions): Promise<number[]> {
  const wal = await openWal(options);
  const ids = wal.openCursor(wal.checkpointSeq + 1).read({ recordCountMax: 100_000 }).map((r) => recordId(r.payload));
  await wal.close();
  return ids;
}

test("wal: group commit: 200 concurrent sync appends share a handful of fsyncs on the real disk", async () => {
  const counting = countingFs();
  const wal = await openWal({ dir: newDir(), fs: counting, groupCommitWindowMs: 2 });
  const syncs = () => (counting.counts.fdatasync ?? 0) + (counting.counts.fdatasyncAsync ?? 0);
  const before = syncs();
  const results = await Promise.all(Array.from({ length: 200 }, (_, i) => wal.append([record(i, 200)], { sync: true })));
  const fsyncs = syncs() - before;
  expect(fsyncs).toBeGreaterThanOrEqual(1);
  expect(fsyncs).toBeLessThanOrEqual(5);
  expect(results.map((r) => r.firstSeq)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
  expect(wal.metrics()).toMatchObject({ appendsTotal: 200, recordsTotal: 200, durableSeq: 200 });
  await wal.close();
});

test("wal: group commit: the fsync runs off the event loop; appends meanwhile wait unwritten and share the next fsync", async () => {
  // The real disk, with each group-commit fsync held until the test lets it go.
  const counting = countingFs();
  const held: Array<() => void> = [];
  const layer = { ...counting, fdatasyncAsync: (fd: number) => new Promise<void>((resolve, reject) => held.push(() => counting.fdatasyncAsync(fd).then(resolve, reject))) };
  const wal = await openWal({ dir: newDir(), fs: layer, groupCommitWindowMs: 0 });
  const syncsOnLoop = counting.counts.fdatasync ?? 0; // opening syncs the new segment
  const answered: number[] = [];
  const first = wal.append([record(1)], { sync: true }).then((r) => void answered.push(r.lastSeq));
  await waitFor(() => held.length === 1, "the first fsync", 2000, 1);
  const writesBefore = counting.counts.write ?? 0;
  // The loop turns while that fsync is out: a timer fires, and two more appends are taken.
  await new Promise((resolve) => setTimeout(resolve, 5));
  const later = [2, 3].map((i) => wal.append([record(i)], { sync: true }).then((r) => void answered.push(r.lastSeq)));
  await new Promise((resolve) => setTimeout(resolve, 5)); // a window in which a wrong write or answer would show
  expect(answered).toEqual([]);
  expect(counting.counts.write ?? 0).toBe(writesBefore); // nothing written while an fsync is in flight
  expect(wal.durableSeq).toBe(0);
  held.shift()?.();
  await first;
  expect(answered).toEqual([1]);
  await waitFor(() => held.length === 1, "the second fsync", 2000, 1);
  expect(wal.lastSeq).toBe(3); // both later appends in one batch, under one fsync
  expect(answered).toEqual([1]);
  held.shift()?.();
  await Promise.all(later);
  expect(answered).toEqual([1, 2, 3]);
  expect(wal.durableSeq).toBe(3);
  expect(counting.counts.fdatasync ?? 0).toBe(syncsOnLoop); // no fsync on the event loop
  await wal.close();
});

test("wal: group commit: flush and close write and sync sync appends queued for several batches, on the event loop", async () => {
  for (const end of ["flush", "close"] as const) {
    const fsx = new FaultFileLayer();
    // A 4 KiB batch limit and a long window: ten 1 KiB sync appends wait for three or more batches.
    const wal = await openWal(mem(fsx, { groupCommitBytesMax: 4096, groupCommitWindowMs: 10_000, segmentBytesMax: 64 * 1024 }));
    const answered: number[] = [];
    const appends = Array.from({ length: 10 }, (_, i) => wal.append([record(i, 1024)], { sync: true }).then((r) => void answered.push(r.lastSeq)));
    if (end === "flush") await wal.flush();
    else await wal.close();
    await Promise.all(appends);
    expect(answered.sort((a, b) => a - b)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
    if (end === "flush") await wal.close();
    fsx.crash("power");
    expect(await readIds(mem(fsx, { segmentBytesMax: 64 * 1024 }))).toEqual(Array.from({ length: 10 }, (_, i) => i));
  }
});

test("wal: group commit: a sync append is answered only after the fsync covering it (a power cut right after keeps it)", async () => {
  const fsx = new FaultFileLayer({ seed: 7 });
  const wal = await openWal(mem(fsx));
  const syncsBefore = fsx.counts.fdatasync;
  const p = wal.append([record(1), record(2)], { sync: true });
  let answered = false;
  void p.then(() => (answered = true));
  await waitFor(() => fsx.counts.write > 0, "the write", 2000, 1);
  expect(await p).toEqual({ firstSeq: 1, lastSeq: 2 });
  expect(answered).toBe(true);
  expect(fsx.counts.fdatasync).toBe(syncsBefore + 1);
  fsx.crash("power");
  expect(await readIds(mem(fsx))).toEqual([1, 2]);
});

test("wal: group commit: an async append is answered once written, before any fsync, and survives kill -9", async () => {
  const fsx = new FaultFileLayer();
  const wal = await openWal(mem(fsx, { syncIntervalMs: 60_000 }));
  const syncsBefore = fsx.counts.fdatasync;
  expect(await wal.append([record(5)], { sync: false })).toEqual({ firstSeq: 1, lastSeq: 1 });
  expect(fsx.counts.fdatasync).toBe(syncsBefore);
  expect(wal.lastSeq).toBe(1);
  expect(wal.durableSeq).toBe(0);
  fsx.crash("process");
  expect(await readIds(mem(fsx))).toEqual([5]);
});

test("wal: group commit: async records are synced within syncIntervalMs without a sync append", async () => {
  const fsx = new FaultFileLayer();
  const wal = await openWal(mem(fsx, { syncIntervalMs: 5 }));
  await wal.append([record(1)], { sync: false });
  expect(await wal.waitForSeq(1, { durable: true, timeoutMs: 2000 })).toBe(true);
  expect(wal.durableSeq).toBe(1);
  await wal.close();
});

test("wal: failure: an fsync EIO fails the log; pending and later appends are refused as unavailable", async () => {
  const fsx = new FaultFileLayer();
  const lines: string[] = [];
  const logger = { info: () => {}, warn: () => {}, error: (_: object, msg: string) => void lines.push(msg) };
  const wal = await openWal(mem(fsx, { logger }));
  await wal.append([record(1)], { sync: true });
  fsx.failOn("fdatasync", { code: "EIO" });
  const pending = Array.from({ length: 5 }, (_, i) => wal.append([record(10 + i)], { sync: true }));
  for (const p of pending) {
    const err = await rejection(p);
    expect(err.kind).toBe("unavailable");
    expect(err.code).toBe("wal_failed");
  }
  expect(wal.failed).toBe(true);
  expect(wal.health()).toMatchObject({ state: "failed", writable: false });
  expect(wal.health().reason).toContain("fdatasync");
  expect(lines).toEqual(["wal: failed; refusing writes until restarted"]);
  // Never retried: a second fsync could succeed while the data is gone (fsyncgate).
  fsx.clearFaults();
  expect((await rejection(wal.append([record(99)], { sync: false }))).code).toBe("wal_failed");
  expect((await rejection(wal.checkpoint(1))).code).toBe("wal_failed");
  expect(wal.metrics().failed).toBe(1);
  await wal.close();
  // A restart recovers: record 1 was acknowledged and is there; new appends work.
  fsx.crash("power");
  const again = await openWal(mem(fsx));
  expect(again.failed).toBe(false);
  const ids = again.openCursor().read().map((r) => recordId(r.payload));
  expect(ids[0]).toBe(1);
  const next = await again.append([record(100)], { sync: true });
  expect(next.firstSeq).toBe(ids.length + 1);
  await again.close();
});

test("wal: failure: a write EIO fails the log and nothing is acknowledged after it", async () => {
  const fsx = new FaultFileLayer();
  const wal = await openWal(mem(fsx));
  fsx.failOn("write", { code: "EIO" });
  const answered: number[] = [];
  const all = Array.from({ length: 4 }, (_, i) =>
    wal.append([record(i)], { sync: i % 2 === 0 }).then(() => void answered.push(i), (e: unknown) => e),
  );
  const results = await Promise.all(all);
  expect(answered).toEqual([]);
  for (const r of results) expect((r as EdgeflowError).code).toBe("wal_failed");
  const waiting = wal.waitForSeq(1).then(() => "resolved", (e: unknown) => (e as EdgeflowError).code);
  expect(await waiting).toBe("wal_failed");
  await wal.close();
});

test("wal: disk full: ENOSPC refuses appends without leaving a torn record, and a checkpoint lets writes resume", async () => {
  const fsx = new FaultFileLayer({ capacityBytes: 14_000 });
  const wal = await openWal(mem(fsx, { diskBytesMax: 1 << 20 }));
  let written = 0;
  let err: EdgeflowError | undefined;
  for (let i = 1; i <= 200 && !err; i++) {
    err = await wal.append([record(i, 300)], { sync: true }).then(() => void written++, (e: EdgeflowError) => e);
  }
  expect(err).toMatchObject({ kind: "unavailable", code: "wal_disk_full" });
  expect(err!.detail.retryAfterSeconds).toBeGreaterThan(0);
  expect(wal.failed).toBe(false);
  expect(wal.health().state).toBe("disk_full");
  // Refused at once while the disk is full, without touching it.
  const writes = fsx.counts.write;
  expect((await rejection(wal.append([record(999)], { sync: true }))).code).toBe("wal_disk_full");
  expect(fsx.counts.write).toBe(writes);
  // The partial write was cut away: the active segment ends exactly at the last record written.
  const active = fsx.fileBytes(`/wal/${fsx.list("/wal").filter((n) => n.endsWith(".wal")).at(-1)!}`);
  const frames = frameMap(active);
  expect(frames.at(-1)?.end ?? 32).toBe(active.length);
  expect(frames.at(-1)?.seq ?? written).toBe(written);
  const freed = await wal.checkpoint(written - 2);
  expect(freed.bytesFreed).toBeGreaterThan(0);
  expect(wal.health().state).toBe("ok");
  expect(await wal.append([record(500, 300)], { sync: true })).toEqual({ firstSeq: written + 1, lastSeq: written + 1 });
  await wal.close();
  fsx.crash("power");
  expect(await readIds(mem(fsx))).toEqual([written - 1, written, 500]);
});

test("wal: disk budget: appends past diskBytesMax are refused until a checkpoint frees space", async () => {
  const dir = newDir();
  const wal = await openWal({ dir, segmentBytesMax: 4096, diskBytesMax: 8192, groupCommitWindowMs: 0 });
  let last = 0;
  let err: EdgeflowError | undefined;
  for (let i = 1; i <= 100 && !err; i++) {
    err = await wal.append([record(i, 100)], { sync: true }).then((r) => void (last = r.lastSeq), (e: EdgeflowError) => e);
  }
  expect(err).toMatchObject({ kind: "unavailable", code: "wal_disk_full" });
  expect(err!.detail).toMatchObject({ diskBytesMax: 8192 });
  expect(wal.metrics().diskBytes).toBeLessThanOrEqual(8192);
  expect(wal.health().state).toBe("disk_full");
  await wal.checkpoint(last);
  expect(wal.health().state).toBe("ok");
  expect((await wal.append([record(1000, 100)], { sync: true })).firstSeq).toBe(last + 1);
  await wal.close();
});

test("wal: limits: a full queue refuses with overloaded and a retry hint", async () => {
  const fsx = new FaultFileLayer();
  const wal = await openWal(mem(fsx, { groupCommitWindowMs: 50, queueBytesMax: 4000, appendBytesMax: 2000 }));
  const first = wal.append([record(1, 1500)], { sync: false });
  const second = wal.append([record(2, 1500)], { sync: false });
  const err = await rejection(wal.append([record(3, 1500)], { sync: false }));
  expect(err).toMatchObject({ kind: "overloaded", code: "wal_queue_full" });
  expect(err.detail.retryAfterSeconds).toBe(1);
  expect(wal.metrics()).toMatchObject({ queueAppends: 2, refusedOverloadedTotal: 1 });
  await Promise.all([first, second]);
  await wal.close();
});

test("wal: limits: records and appends over their limits are refused as too_large, empty appends as invalid", async () => {
  const wal = await openWal(mem(new FaultFileLayer(), { recordBytesMax: 100, appendRecordCountMax: 3 }));
  expect((await rejection(wal.append([new Uint8Array(101)], { sync: false }))).kind).toBe("too_large");
  expect((await rejection(wal.append([record(1), record(2), record(3), record(4)], { sync: false }))).kind).toBe("too_large");
  expect((await rejection(wal.append([], { sync: false }))).kind).toBe("invalid");
  expect(wal.metrics().refusedTooLargeTotal).toBe(2);
  await wal.close();
  expect((await rejection(wal.append([record(1)], { sync: false }))).code).toBe("wal_closed");
});

test("wal: group commit: short writes are completed and every record reads back", async () => {
  const fsx = new FaultFileLayer({ shortWrites: true, seed: 3 });
  const wal = await openWal(mem(fsx));
  await Promise.all(Array.from({ length: 60 }, (_, i) => wal.append([record(i + 1, 90), record(i + 1001, 10)], { sync: i % 3 === 0 })));
  await wal.close();
  const ids = await readIds(mem(fsx));
  expect(ids.length).toBe(120);
  expect(ids.filter((id) => id < 1000)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
});

test("wal: metrics: the observer sees every fsync and every batch written", async () => {
  const fsyncs: number[] = [];
  const commits: number[] = [];
  const observer = { fsync: (s: number) => void fsyncs.push(s), commit: (appends: number) => void commits.push(appends) };
  const wal = await openWal(mem(new FaultFileLayer(), { observer }));
  await Promise.all([wal.append([record(1)], { sync: true }), wal.append([record(2)], { sync: true })]);
  expect(fsyncs.length).toBe(1);
  expect(fsyncs[0]).toBeGreaterThanOrEqual(0);
  expect(commits).toEqual([2]);
  expect(wal.metrics()).toMatchObject({ fsyncsTotal: 1, batchesTotal: 1, queueBytes: 0, segmentCount: 1 });
  await wal.close();
});

test("wal: group commit: a batch larger than the segment room rolls to new segments, one append never split", async () => {
  const fsx = new FaultFileLayer();
  const wal = await openWal(mem(fsx));
  const appends = Array.from({ length: 30 }, (_, i) => wal.append([record(3 * i, 300), record(3 * i + 1, 300), record(3 * i + 2, 300)], { sync: true }));
  await Promise.all(appends);
  await wal.close();
  // 3 x 320-byte frames = 960 bytes an append; 4 fit in (4096 - 32) bytes.
  const segments = fsx.list("/wal").filter((n) => n.endsWith(".wal"));
  expect(segments.length).toBe(8);
  for (const name of segments) expect((fsx.fileBytes(`/wal/${name}`).length - 32) % 960).toBe(0);
  expect(await readIds(mem(fsx))).toEqual(Array.from({ length: 90 }, (_, i) => i));
});

test("wal: group commit: reaching groupCommitBytesMax commits at once instead of waiting out the window", async () => {
  const wal = await openWal(mem(new FaultFileLayer(), { groupCommitWindowMs: 10_000, groupCommitBytesMax: 1000 }));
  const small = wal.append([record(1, 100)], { sync: true });
  let smallDone = false;
  void small.then(() => (smallDone = true));
  await new Promise<void>((r) => setImmediate(r));
  expect(smallDone).toBe(false); // under the threshold: it waits for company
  const big = wal.append([record(2, 1000)], { sync: true });
  await waitFor(() => smallDone, "the batch to commit on the byte threshold", 2000, 1);
  expect(await big).toEqual({ firstSeq: 2, lastSeq: 2 });
  await wal.close();
});

test("wal: disk full: after the retry time an append probes the disk again and writes resume without a checkpoint", async () => {
  let nowMs = 1_000_000;
  const clock = { nowMs: () => nowMs };
  const fsx = new FaultFileLayer({ capacityBytes: 3000 });
  const wal = await openWal(mem(fsx, { clock }));
  let err: EdgeflowError | undefined;
  for (let i = 1; i <= 50 && !err; i++) err = await wal.append([record(i, 200)], { sync: true }).then(() => undefined, (e: EdgeflowError) => e);
  expect(err?.code).toBe("wal_disk_full");
  const retryMs = (err!.detail.retryAfterSeconds as number) * 1000;
  fsx.capacityBytes = 1 << 20; // an operator freed space elsewhere on the disk
  nowMs += retryMs - 1;
  expect((await rejection(wal.append([record(100)], { sync: true }))).code).toBe("wal_disk_full");
  nowMs += 1;
  expect((await wal.append([record(101)], { sync: true })).firstSeq).toBeGreaterThan(1);
  expect(wal.health().state).toBe("ok");
  await wal.close();
});

test("wal: disk full: if the partial write cannot be truncated away, the log fails rather than risk a torn record", async () => {
  const fsx = new FaultFileLayer({ capacityBytes: 3000 });
  const wal = await openWal(mem(fsx));
  fsx.failOn("truncate", { code: "EIO" });
  let err: EdgeflowError | undefined;
  for (let i = 1; i <= 50 && !err; i++) err = await wal.append([record(i, 200)], { sync: true }).then(() => undefined, (e: EdgeflowError) => e);
  expect(err?.code).toBe("wal_failed");
  expect(wal.health().reason).toContain("could not be truncated back");
  await wal.close();
});
