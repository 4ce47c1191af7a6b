import { expect, test } from "bun:test";
import * as fs from "node:fs";
import * as path from "node:path";
import { errorCode } from "./file-layer.ts";
import { fdatasyncOnThread, terminateFsyncThread } from "./fsync-thread.ts";
import { tempDirsPerTest } from "./test-util.ts";

const newDir = tempDirsPerTest();

/** Settles with "timeout" after `ms` unless `p` settles first. */
function within<T>(p: Promise<T>, ms: number): Promise<T | "timeout"> {
  return Promise.race([p, new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), ms))]);
}

test("wal: fsync thread: an fsync is answered while Bun's shared thread pool is jammed (where chDB's inserts run)", async () => {
  const dir = newDir();
  const fifo = path.join(dir, "jam");
  expect(Bun.spawnSync(["mkfifo", fifo]).exitCode).toBe(0);
  const fd = fs.openSync(path.join(dir, "data"), "w");
  // Opening a FIFO with no writer blocks the pool thread that runs it: these take every thread.
  const jammed = Array.from({ length: 64 }, () => new Promise<number>((resolve, reject) => fs.open(fifo, "r", (err, f) => (err ? reject(err) : resolve(f)))));
  try {
    await new Promise((resolve) => setTimeout(resolve, 20));
    let sharedDone = false;
    fs.fdatasync(fd, () => void (sharedDone = true));
    fs.writeSync(fd, "record");
    expect(await within(fdatasyncOnThread(fd), 5_000)).toBeUndefined();
    expect(sharedDone).toBe(false); // the pool's own fdatasync is still queued behind the jam
  } finally {
    const writer = fs.openSync(fifo, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
    for (const f of await Promise.all(jammed)) fs.closeSync(f);
    fs.closeSync(writer);
    fs.closeSync(fd);
  }
});

test("wal: fsync thread: a failed fdatasync rejects with the errno's code", async () => {
  const dir = newDir();
  const fd = fs.openSync(path.join(dir, "closed"), "w");
  fs.closeSync(fd);
  const err = await fdatasyncOnThread(fd).then(() => undefined, (e: unknown) => e);
  expect(errorCode(err)).toBe("EBADF");
});

test("wal: fsync thread: many fsyncs at once on several files all settle", async () => {
  const dir = newDir();
  const fds = Array.from({ length: 8 }, (_, i) => fs.openSync(path.join(dir, `f${i}`), "w"));
  try {
    for (let round = 0; round < 5; round++) {
      await Promise.all(fds.flatMap((fd) => [fs.writeSync(fd, `round ${round}\n`), fdatasyncOnThread(fd), fdatasyncOnThread(fd)]));
    }
  } finally {
    for (const fd of fds) fs.closeSync(fd);
  }
});

test("wal: fsync thread: if the thread ends, what waits on it settles (done or EIO) and the next fsync starts a new one", async () => {
  const dir = newDir();
  const fd = fs.openSync(path.join(dir, "data"), "w");
  try {
    await fdatasyncOnThread(fd);
    terminateFsyncThread();
    const outcome = await within(fdatasyncOnThread(fd).then(() => "done", (e: unknown) => errorCode(e)), 5_000);
    expect(outcome === "done" || outcome === "EIO").toBe(true);
    // Once the old thread's end is noticed, a new one answers.
    let answered = false;
    for (let tries = 0; !answered && tries < 50; tries++) answered = await fdatasyncOnThread(fd).then(() => true, () => false);
    expect(answered).toBe(true);
  } finally {
    fs.closeSync(fd);
  }
});
