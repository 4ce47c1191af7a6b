/**
 * Disk full on a real file system: a small ext4 image, loop-mounted (RELIABILITY.md R5; tmpfs
 * would not do, its fsync is a no-op). Needs root and a loop device; skipped, with the reason
 * printed, where either is missing.
 */
import { expect, test } from "bun:test";
import * as fs from "node:fs";
import * as path from "node:path";
import { EdgeflowError } from "../lib/index.ts";
import { type Wal, openWal } from "./index.ts";
import { record, recordId, tempDir } from "./test-util.ts";

function run(cmd: string[]): { ok: boolean; text: string } {
  const r = Bun.spawnSync(cmd, { stdout: "pipe", stderr: "pipe" });
  return { ok: r.exitCode === 0, text: `${r.stdout.toString()}${r.stderr.toString()}`.trim() };
}

/** Mounts a fresh 8 MiB ext4 image; returns the mount point and a cleanup, or why it could not. */
function smallExt4(): { mnt: string; cleanup: () => void } | string {
  if (process.getuid?.() !== 0) return "not root";
  const t = tempDir("edgeflow-wal-ext4-");
  const image = path.join(t.dir, "disk.img");
  const mnt = path.join(t.dir, "mnt");
  fs.mkdirSync(mnt);
  fs.writeFileSync(image, "");
  fs.truncateSync(image, 8 * 1024 * 1024);
  const mkfs = run(["mkfs.ext4", "-q", "-F", image]);
  const mount = mkfs.ok ? run(["mount", "-o", "loop", image, mnt]) : mkfs;
  if (!mount.ok) {
    t.remove();
    return `cannot make or mount an ext4 image: ${mount.text}`;
  }
  return { mnt, cleanup: () => (run(["umount", mnt]), t.remove()) };
}

test("wal: disk full: a real ENOSPC on a small ext4 refuses appends, leaves no torn record, and a checkpoint lets writes resume", async () => {
  const disk = smallExt4();
  if (typeof disk === "string") {
    console.log(`[wal disk-full] skipped: ${disk}`);
    return;
  }
  const dir = path.join(disk.mnt, "wal");
  const options = { dir, segmentBytesMax: 1024 * 1024, groupCommitWindowMs: 0 };
  let wal: Wal | undefined;
  try {
    wal = await openWal(options);
    const acked: number[] = [];
    let err: EdgeflowError | undefined;
    for (let b = 0; b < 1000 && !err; b++) {
      const ids = Array.from({ length: 100 }, (_, i) => b * 100 + i);
      err = await wal.append(ids.map((id) => record(id, 1000)), { sync: true }).then(() => void acked.push(...ids), (e: EdgeflowError) => e);
    }
    expect(err).toMatchObject({ kind: "unavailable", code: "wal_disk_full" });
    expect(wal.failed).toBe(false);
    expect(acked.length).toBeGreaterThan(1000);
    const freed = await wal.checkpoint(acked.length - 100);
    expect(freed.bytesFreed).toBeGreaterThan(0);
    const after = await wal.append([record(9_999_999, 1000)], { sync: true });
    expect(after.firstSeq).toBe(acked.length + 1);
    await wal.close();
    wal = await openWal(options);
    expect(wal.recovery.tornTail).toBeUndefined();
    const ids = wal.openCursor().read({ recordCountMax: 100_000 }).map((r) => recordId(r.payload));
    expect(ids).toEqual([...acked.slice(acked.length - 100), 9_999_999]);
  } finally {
    await wal?.close();
    disk.cleanup();
  }
}, 60_000);
