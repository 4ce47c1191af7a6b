import { expect, test } from "bun:test";
import * as fs from "node:fs";
import * as path from "node:path";
import { errorCode } from "./file-layer.ts";
import { fdatasyncOnThread, terminateFsyncThread } from "./fsync-thread.ts";
import { waitFor, withDeadline } from "../../test/support/wait.ts";
import { tempDirsPerTest } from "./test-util.ts";

const newDir = tempDirsPerTest();
const answeredWithin = <T>(p: Promise<T>, what: string) => withDeadline(p, 5_000, () => new Error(`${what} was not answered within 5 s`));

test("wal: fsync thread: an fsync is answered while Bun's shared thread pool is jammed (where chDB's inserts run)", async () => {
  const dir = newDir();
  const fifo = path.join(dir, "jam");
  expect(Bun.spawnSync(["mkfifo", fifo]).exitCode).toBe(0);
  const fd = fs.openSync(path.join(dir, "data"), "w");
  // Opening a FIFO with no writer blocks the pool thread that runs it: these take every thread,
  // and the pool's fdatasync below queues behind them.
  const jammed = Array.from({ length: 64 }, () => new Promise<number>((resolve, reject) => fs.open(fifo, "r", (err, f) => (err ? reject(err) : resolve(f)))));
  try {
    let sharedDone = false;
    fs.fdatasync(fd, () => void (sharedDone = true));
    fs.writeSync(fd, "record");
    await answeredWithin(fdatasyncOnThread(fd), "the fsync thread's fdatasync");
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

test("wal: fsync thread: many fsyncs at once on several files each get their own answer", async () => {
  const dir = newDir();
  const fds = Array.from({ length: 8 }, (_, i) => fs.openSync(path.join(dir, `f${i}`), "w"));
  // One of them closed: only its fsyncs may fail, so answers given to the wrong caller show.
  const closed = fds[3] as number;
  fs.closeSync(closed);
  try {
    for (let round = 0; round < 5; round++) {
      for (const fd of fds) if (fd !== closed) fs.writeSync(fd, `round ${round}\n`);
      const outcomes = await Promise.all(fds.flatMap((fd) => [fd, fd].map((f) => fdatasyncOnThread(f).then(() => "ok", (e: unknown) => errorCode(e)))));
      expect(outcomes).toEqual(fds.flatMap((fd) => (fd === closed ? ["EBADF", "EBADF"] : ["ok", "ok"])));
    }
  } finally {
    for (const fd of fds) if (fd !== closed) fs.closeSync(fd);
  }
});

test("wal: fsync thread: if the thread ends, what waits on it settles (done or EIO) and the next fsync starts a new one", async () => {
  const dir = newDir();
  const fd = fs.openSync(path.join(dir, "data"), "w");
  try {
    await fdatasyncOnThread(fd);
    // The thread is the process's one: every log here would see this, which is the point.
    terminateFsyncThread();
    const outcome = await answeredWithin(fdatasyncOnThread(fd).then(() => "done", (e: unknown) => errorCode(e)), "an fsync sent as the thread ended");
    expect(outcome === "done" || outcome === "EIO").toBe(true);
    // Once the old thread's end is noticed, a new one answers.
    await waitFor(() => fdatasyncOnThread(fd).then(() => true, () => false), "an fsync answered by a new thread", 5_000, 1);
  } finally {
    fs.closeSync(fd);
  }
});
