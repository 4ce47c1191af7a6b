import { expect, test } from "bun:test";
import * as fs from "node:fs";
import * as path from "node:path";
import { EdgeflowError } from "../lib/index.ts";
import { type WalOptions, openWal } from "./index.ts";
import { frameMap, record, recordId, segmentFiles, tempDirsPerTest } from "./test-util.ts";

const newDir = tempDirsPerTest();

/** Small segments so a few dozen records span several files: 100-byte records, 120-byte frames, 33 a segment. */
const small = (dir: string, extra: Partial<WalOptions> = {}): WalOptions => ({ dir, segmentBytesMax: 4096, groupCommitWindowMs: 0, ...extra });

async function writeLog(dir: string, count: number, extra: Partial<WalOptions> = {}): Promise<void> {
  const wal = await openWal(small(dir, extra));
  for (let i = 1; i <= count; i++) await wal.append([record(i, 100)], { sync: true });
  await wal.close();
}

async function readIds(dir: string, extra: Partial<WalOptions> = {}): Promise<number[]> {
  const wal = await openWal(small(dir, extra));
  const ids = wal.openCursor(1).read({ recordCountMax: 100_000 }).map((r) => recordId(r.payload));
  await wal.close();
  return ids;
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

async function openError(options: WalOptions): Promise<EdgeflowError> {
  try {
    const wal = await openWal(options);
    await wal.close();
  } catch (err) {
    expect(err).toBeInstanceOf(EdgeflowError);
    return err as EdgeflowError;
  }
  throw new Error("open was expected to fail");
}

function flipByte(file: string, offset: number): void {
  const bytes = fs.readFileSync(file);
  bytes[offset]! ^= 0x5a;
  fs.writeFileSync(file, bytes);
}

test("wal: replay: torn tail is truncated (1 segment)", async () => {
  const dir = newDir();
  await writeLog(dir, 10);
  const [seg] = segmentFiles(dir);
  const file = path.join(dir, seg!);
  const before = fs.readFileSync(file);
  const last = frameMap(before).at(-1)!;
  fs.truncateSync(file, last.offset + 50); // the last frame is cut in its payload
  const wal = await openWal(small(dir));
  const torn = wal.recovery.tornTail!;
  expect(torn).toMatchObject({ segment: seg, offset: last.offset, bytesCut: 50, reason: "incomplete record" });
  expect(fs.readFileSync(path.join(dir, torn.brokenFile))).toEqual(before.subarray(last.offset, last.offset + 50));
  expect(fs.statSync(file).size).toBe(last.offset);
  expect(wal.lastSeq).toBe(9);
  expect(await wal.append([record(100, 100)], { sync: true })).toEqual({ firstSeq: 10, lastSeq: 10 });
  await wal.close();
  expect(await readIds(dir)).toEqual([...range(1, 9), 100]);
});

test("wal: replay: torn tail is truncated (2 segments)", async () => {
  const dir = newDir();
  await writeLog(dir, 50);
  const segs = segmentFiles(dir);
  expect(segs.length).toBe(2);
  const file = path.join(dir, segs[1]!);
  const size = fs.statSync(file).size;
  // The file grew but its blocks were never written: a zero-filled tail.
  fs.appendFileSync(file, new Uint8Array(700));
  const wal = await openWal(small(dir));
  expect(wal.recovery.tornTail).toMatchObject({ segment: segs[1], offset: size, bytesCut: 700, recordsDropped: 0 });
  expect(fs.readFileSync(path.join(dir, `${segs[1]}.broken`))).toEqual(Buffer.alloc(700));
  expect(wal.recovery.recordCount).toBe(50);
  await wal.close();
  expect(await readIds(dir)).toEqual(range(1, 50));
});

test("wal: replay: a checksum mismatch in the last record with nothing after it is a torn tail", async () => {
  const dir = newDir();
  await writeLog(dir, 5);
  const file = path.join(dir, segmentFiles(dir)[0]!);
  const last = frameMap(fs.readFileSync(file)).at(-1)!;
  flipByte(file, last.offset + 30);
  const wal = await openWal(small(dir));
  expect(wal.recovery.tornTail).toMatchObject({ offset: last.offset, reason: "record checksum mismatch" });
  await wal.close();
  expect(await readIds(dir)).toEqual(range(1, 4));
});

test("wal: replay: mid-log corruption is refused with the segment and byte offset in the message", async () => {
  const dir = newDir();
  await writeLog(dir, 10);
  const seg = segmentFiles(dir)[0]!;
  const file = path.join(dir, seg);
  const third = frameMap(fs.readFileSync(file))[2]!;
  flipByte(file, third.offset + 40);
  const err = await openError(small(dir));
  expect(err.kind).toBe("corrupt");
  expect(err.code).toBe("wal_corrupt");
  expect(err.message).toContain(file);
  expect(err.message).toContain(`at byte offset ${third.offset}`);
  expect(err.detail).toMatchObject({ segment: seg, offset: third.offset });
  // Refusing changed nothing on disk.
  expect(fs.readdirSync(dir).filter((n) => n.endsWith(".broken"))).toEqual([]);
});

test("wal: replay: damage at the end of an earlier segment is corruption, not a torn tail", async () => {
  const dir = newDir();
  await writeLog(dir, 50);
  const [first] = segmentFiles(dir);
  const file = path.join(dir, first!);
  const last = frameMap(fs.readFileSync(file)).at(-1)!;
  fs.truncateSync(file, last.offset + 20);
  const err = await openError(small(dir));
  expect(err.kind).toBe("corrupt");
  expect(err.message).toContain(`${first}: incomplete record at byte offset ${last.offset}`);
});

test("wal: repair: cuts at corruption, moves later segments aside, and new writes after repair read back", async () => {
  const dir = newDir();
  await writeLog(dir, 80);
  const segs = segmentFiles(dir);
  expect(segs.length).toBe(3);
  const file = path.join(dir, segs[0]!);
  const frames = frameMap(fs.readFileSync(file));
  const bad = frames[10]!; // record 11
  flipByte(file, bad.offset + 17);
  const lines: string[] = [];
  const logger = { info: () => {}, warn: () => {}, error: (_: object, msg: string) => void lines.push(msg) };
  const wal = await openWal(small(dir, { repair: true, logger }));
  const repair = wal.recovery.repairs[0]!;
  expect(repair).toMatchObject({ segment: segs[0], offset: bad.offset, reason: "record checksum mismatch" });
  // Records 12..80 were verified and dropped: 12..33 in the cut bytes, 34..80 in moved segments.
  expect(repair.recordsDropped).toBe(80 - 11);
  expect(repair.brokenFiles).toEqual([`${segs[0]}.broken`, `${segs[1]}.broken`, `${segs[2]}.broken`]);
  expect(lines.length).toBe(1);
  expect(segmentFiles(dir)).toEqual([segs[0]!]);
  expect(wal.lastSeq).toBe(10);
  for (let i = 0; i < 40; i++) await wal.append([record(1000 + i, 100)], { sync: true });
  await wal.close();
  expect(await readIds(dir)).toEqual([...range(1, 10), ...range(1000, 1039)]);
});

test("wal: replay: a bad header of an earlier segment is corruption; a half-made last segment is torn", async () => {
  const dir = newDir();
  await writeLog(dir, 50);
  const segs = segmentFiles(dir);
  // A crash while starting a third segment: the file exists with part of its header.
  const third = path.join(dir, "0000000000000033.wal");
  fs.writeFileSync(third, new Uint8Array(10));
  const wal = await openWal(small(dir));
  expect(wal.recovery.tornTail).toMatchObject({ segment: "0000000000000033.wal", offset: 0, bytesCut: 10 });
  expect(fs.existsSync(`${third}.broken`)).toBe(true);
  await wal.close();
  flipByte(path.join(dir, segs[0]!), 9);
  const err = await openError(small(dir));
  expect(err.message).toContain(`${segs[0]}: segment header checksum mismatch at byte offset 0`);
});

test("wal: replay: a zeroed sector near the end is a torn write; far from the end it is corruption", async () => {
  // A small torn window: the log never leaves more than 2 KiB unsynced (unsynced 0 + one 2 KiB batch).
  const tight = { unsyncedBytesMax: 0, groupCommitBytesMax: 512, appendBytesMax: 2048, segmentBytesMax: 16384 };
  const dir = newDir();
  await writeLog(dir, 100, tight);
  const file = path.join(dir, segmentFiles(dir)[0]!);
  const size = fs.statSync(file).size;
  const zeroSector = (start: number) => {
    const bytes = fs.readFileSync(file);
    bytes.fill(0, start, start + 512);
    fs.writeFileSync(file, bytes);
  };
  const near = Math.floor((size - 900) / 512) * 512;
  zeroSector(near);
  const wal = await openWal(small(dir, tight));
  expect(wal.recovery.tornTail?.recordsDropped).toBeGreaterThan(0);
  const kept = wal.lastSeq;
  await wal.close();
  expect(await readIds(dir, tight)).toEqual(range(1, kept));
  zeroSector(2048);
  const err = await openError(small(dir, tight));
  expect(err.kind).toBe("corrupt");
});

test("wal: replay: a stale copy of an old record after the tail is cut as torn, not taken as corruption", async () => {
  const dir = newDir();
  await writeLog(dir, 5);
  const file = path.join(dir, segmentFiles(dir)[0]!);
  const bytes = fs.readFileSync(file);
  const first = frameMap(bytes)[0]!;
  fs.appendFileSync(file, bytes.subarray(first.offset, first.end));
  const wal = await openWal(small(dir));
  expect(wal.recovery.tornTail).toMatchObject({ reason: "sequence number 1 where 6 was expected", recordsDropped: 0 });
  await wal.close();
  expect(await readIds(dir)).toEqual(range(1, 5));
});

test("wal: replay: a damaged checkpoint file is refused as corrupt", async () => {
  const dir = newDir();
  const wal = await openWal(small(dir));
  await wal.append([record(1)], { sync: true });
  await wal.checkpoint(1);
  await wal.close();
  flipByte(path.join(dir, "checkpoint"), 9);
  const err = await openError(small(dir));
  expect(err.kind).toBe("corrupt");
  expect(err.message).toContain("checkpoint checksum mismatch at byte offset 0");
});

test("wal: replay: records missing between the checkpoint and the first segment are refused; repair moves the checkpoint", async () => {
  const dir = newDir();
  await writeLog(dir, 50);
  fs.unlinkSync(path.join(dir, segmentFiles(dir)[0]!)); // records 1..33 vanish
  const err = await openError(small(dir));
  expect(err.message).toContain("records 1 to 33 are missing");
  const wal = await openWal(small(dir, { repair: true }));
  expect(wal.checkpointSeq).toBe(33);
  expect(wal.recovery.repairs[0]?.recordsDropped).toBe(33);
  expect(wal.openCursor().read().map((r) => recordId(r.payload))).toEqual(range(34, 50));
  await wal.close();
});

test("wal: replay: an empty folder gets a first segment, and the report says what was scanned", async () => {
  const dir = path.join(newDir(), "nested", "wal");
  const wal = await openWal(small(dir));
  expect(wal.recovery).toMatchObject({ checkpointSeq: 0, lastSeq: 0, segmentCount: 1, createdSegment: "0000000000000001.wal" });
  await wal.append([record(1)], { sync: true });
  await wal.close();
  const again = await openWal(small(dir));
  expect(again.recovery).toMatchObject({ lastSeq: 1, recordCount: 1, createdSegment: undefined, tornTail: undefined });
  await again.close();
});
