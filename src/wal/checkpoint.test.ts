import { expect, test } from "bun:test";
import * as fs from "node:fs";
import * as path from "node:path";
import { EdgeflowError } from "../lib/index.ts";
import { FaultFileLayer, type WalOptions, openWal } from "./index.ts";
import { record, recordId, segmentFiles, tempDirsPerTest } from "./test-util.ts";

const newDir = tempDirsPerTest();

const small = (dir: string, extra: Partial<WalOptions> = {}): WalOptions => ({ dir, segmentBytesMax: 4096, groupCommitWindowMs: 0, ...extra });
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

test("wal: checkpoint: deletes segments wholly below it and survives reopen", async () => {
  const dir = newDir();
  const wal = await openWal(small(dir));
  for (let i = 1; i <= 100; i++) await wal.append([record(i, 100)], { sync: i % 10 === 0 });
  const segs = segmentFiles(dir);
  expect(segs.length).toBe(4); // 33 records a segment: 1-33, 34-66, 67-99, 100
  const result = await wal.checkpoint(70);
  // 1-33 and 34-66 are wholly below 70; 67-99 still holds 71-99.
  expect(result.segmentsDeleted).toEqual(segs.slice(0, 2));
  expect(result.bytesFreed).toBe(2 * (32 + 33 * 120));
  expect(segmentFiles(dir)).toEqual(segs.slice(2));
  expect(wal.metrics().segmentsDeletedTotal).toBe(2);
  expect((await wal.checkpoint(50)).checkpointSeq).toBe(70); // going back is a no-op
  await wal.close();
  const again = await openWal(small(dir));
  expect(again.checkpointSeq).toBe(70);
  expect(again.firstSeq).toBe(67);
  expect(again.openCursor().read().map((r) => recordId(r.payload))).toEqual(range(71, 100));
  await again.close();
});

test("wal: checkpoint: a checkpoint beyond the last record written is refused as invalid", async () => {
  const wal = await openWal(small(newDir()));
  await wal.append([record(1)], { sync: false });
  const err = await wal.checkpoint(2).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(EdgeflowError);
  expect((err as EdgeflowError).code).toBe("wal_checkpoint_ahead");
  await wal.close();
});

test("wal: checkpoint: a leftover checkpoint.tmp from a crash is removed at open and never read", async () => {
  const dir = newDir();
  const wal = await openWal(small(dir));
  await wal.append([record(1), record(2)], { sync: true });
  await wal.checkpoint(1);
  await wal.close();
  fs.writeFileSync(path.join(dir, "checkpoint.tmp"), "garbage");
  const again = await openWal(small(dir));
  expect(again.checkpointSeq).toBe(1);
  expect(fs.existsSync(path.join(dir, "checkpoint.tmp"))).toBe(false);
  await again.close();
});

test("wal: checkpoint: a log that ends below its checkpoint continues after the checkpoint, never reusing numbers", async () => {
  // A power cut can lose async records the sink already read and committed.
  const dir = newDir();
  const wal = await openWal(small(dir));
  for (let i = 1; i <= 40; i++) await wal.append([record(i, 100)], { sync: false });
  await wal.checkpoint(40);
  await wal.close();
  const last = segmentFiles(dir).at(-1)!;
  fs.truncateSync(path.join(dir, last), 32); // records 34..40 lost
  const again = await openWal(small(dir));
  expect(again.recovery.createdSegment).toBe("0000000000000029.wal"); // 41 in hex
  expect(segmentFiles(dir)).toEqual(["0000000000000029.wal"]);
  expect(await again.append([record(41)], { sync: true })).toEqual({ firstSeq: 41, lastSeq: 41 });
  await again.close();
});

test("wal: checkpoint: a crash at any step leaves the old or the new checkpoint, with every record after it", async () => {
  // Count the mutating calls of one checkpoint, then crash at each of them in turn.
  async function setup(fsx: FaultFileLayer) {
    const wal = await openWal({ dir: "/wal", fs: fsx, segmentBytesMax: 4096, groupCommitWindowMs: 0 });
    for (let i = 1; i <= 80; i++) await wal.append([record(i, 100)], { sync: true });
    await wal.checkpoint(20);
    return wal;
  }
  const probe = new FaultFileLayer();
  const probeWal = await setup(probe);
  const before = probe.mutatingCalls;
  await probeWal.checkpoint(70);
  const steps = probe.mutatingCalls - before;
  expect(steps).toBeGreaterThanOrEqual(6); // create, write, fdatasync, rename, fsyncDir, unlink..., fsyncDir
  for (let k = 1; k <= steps; k++) {
    for (const seed of [1, 2, 3]) {
      const fsx = new FaultFileLayer({ seed });
      const wal = await setup(fsx);
      fsx.crashAt(k);
      await wal.checkpoint(70).catch(() => undefined);
      fsx.crash("power");
      const again = await openWal({ dir: "/wal", fs: fsx, segmentBytesMax: 4096 });
      expect([20, 70]).toContain(again.checkpointSeq);
      const ids = again.openCursor().read().map((r) => recordId(r.payload));
      expect(ids).toEqual(range(again.checkpointSeq + 1, 80));
      await again.close();
    }
  }
});
