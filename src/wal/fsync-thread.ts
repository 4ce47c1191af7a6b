/**
 * fdatasync on a thread of its own, for the group commit (`FileLayer.fdatasyncAsync`).
 *
 * Why not `fs.fdatasync(fd, callback)`: Bun runs it on the thread pool that chDB's async
 * queries and inserts also run on, so with the sink's two inserts in flight a WAL fsync waited
 * for one of them to finish: ~100-400 ms, where the fsync itself takes well under a
 * millisecond (bench/ingest-http.ts, sink writing: ack p99 78 ms on the event loop, 346 ms on
 * the shared pool). One dedicated thread never queues behind anything but other fsyncs.
 *
 * The worker is made from inline source (so the compiled binary needs no extra file) on first
 * use, and talks through a SharedArrayBuffer rather than messages: a message round trip added
 * ~0.4 ms to each fsync, a notify ~0.1 ms. Each request takes one of `slotsMax` slots:
 *
 *   slot i: [state, fd, errno]   state: 0 free, 3 claimed, 1 requested, 2 done
 *   word 0: the doorbell, bumped on every request; the worker sleeps on it.
 *
 * The thread keeps the process alive only while a request is pending. Should it ever end, the
 * fsyncs waiting on it fail with EIO (the log then fails, as on any failed fsync: a restart
 * recovers) and the next fsync starts a new thread.
 */
import * as os from "node:os";

const slotsMax = 64;
const slotWords = 3;
const free = 0;
const requested = 1;
const done = 2;
const claimed = 3;

const codeOfErrno = new Map<number, string>(Object.entries(os.constants.errno).map(([name, n]) => [n, name]));
const eioErrno = os.constants.errno.EIO;

/** The worker: sleeps on the doorbell, then syncs every requested slot. */
const workerSource = `
const fs = require("node:fs");
self.onmessage = (event) => {
  const words = new Int32Array(event.data);
  let rung = 0;
  for (;;) {
    Atomics.wait(words, 0, rung);
    rung = Atomics.load(words, 0);
    for (let i = 0; i < ${slotsMax}; i++) {
      const at = 1 + i * ${slotWords};
      if (Atomics.load(words, at) !== ${requested}) continue;
      let errno = 0;
      try {
        fs.fdatasyncSync(words[at + 1]);
      } catch (error) {
        errno = Math.abs(Number(error && error.errno)) || ${eioErrno};
      }
      words[at + 2] = errno;
      Atomics.store(words, at, ${done});
      Atomics.notify(words, at);
    }
  }
};
`;

class FsyncError extends Error {
  constructor(readonly code: string) {
    super(`${code}: fdatasync failed`);
  }
}

class FsyncThread {
  private readonly words = new Int32Array(new SharedArrayBuffer(4 * (1 + slotsMax * slotWords)));
  private readonly worker: Worker;
  private pending = 0;

  constructor(onClose: () => void) {
    const url = URL.createObjectURL(new Blob([workerSource], { type: "application/javascript" }));
    this.worker = new Worker(url);
    this.worker.addEventListener("close", () => {
      onClose();
      this.refuseAll();
    });
    this.worker.postMessage(this.words.buffer);
    this.worker.unref();
  }

  /** Ends the thread; what waits on it fails with EIO. */
  terminate(): void {
    this.worker.terminate();
  }

  /** The thread is gone: every request still out is answered EIO. */
  private refuseAll(): void {
    for (let i = 0; i < slotsMax; i++) {
      const at = 1 + i * slotWords;
      const state = Atomics.load(this.words, at);
      if (state !== requested && state !== claimed) continue;
      this.words[at + 2] = eioErrno;
      Atomics.store(this.words, at, done);
      Atomics.notify(this.words, at);
    }
  }

  async fdatasync(fd: number): Promise<void> {
    const at = this.takeSlot();
    const words = this.words;
    words[at + 1] = fd;
    Atomics.store(words, at, requested);
    Atomics.add(words, 0, 1);
    Atomics.notify(words, 0);
    if (this.pending++ === 0) this.worker.ref();
    try {
      while (Atomics.load(words, at) !== done) {
        const wait = Atomics.waitAsync(words, at, requested);
        if (wait.async) await wait.value;
      }
    } finally {
      if (--this.pending === 0) this.worker.unref();
    }
    const errno = words[at + 2] as number;
    Atomics.store(words, at, free);
    if (errno !== 0) throw new FsyncError(codeOfErrno.get(errno) ?? "EIO");
  }

  private takeSlot(): number {
    for (let i = 0; i < slotsMax; i++) {
      const at = 1 + i * slotWords;
      if (Atomics.compareExchange(this.words, at, free, claimed) === free) return at;
    }
    // Each log has at most one fsync in flight, and a process has a handful of logs.
    throw new Error(`more than ${slotsMax} fsyncs in flight`);
  }
}

let thread: FsyncThread | undefined;

/** fdatasync(fd) on the fsync thread; rejects with an error whose `code` is the errno's name. */
export function fdatasyncOnThread(fd: number): Promise<void> {
  if (thread === undefined) {
    const made: FsyncThread = new FsyncThread(() => {
      if (thread === made) thread = undefined;
    });
    thread = made;
  }
  return thread.fdatasync(fd);
}

/** Ends the fsync thread, as a crash of it would (tests). */
export function terminateFsyncThread(): void {
  thread?.terminate();
}
