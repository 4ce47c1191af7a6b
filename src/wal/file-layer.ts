/**
 * The file layer the log runs on, passed in so tests can hand in one that fails, tears or
 * forgets (see `fault-fs.ts`), and the real one over `node:fs`.
 *
 * The calls are synchronous, but for one: `fdatasyncAsync`, the group commit's fsync. In Bun,
 * `writeSync` and `fdatasyncSync` issue the syscalls directly (`appendFileSync(..., {flush:
 * true})` does not). A synchronous layer keeps recovery, segment rolls and checkpoints free of
 * interleavings. The group commit's fsync is the exception because it is on every sync
 * request's path: alone it takes 0.2-0.4 ms here, but while the sink's inserts write to the same
 * disk 6-14% of them took over 10 ms, and on the event loop it stopped every request meanwhile
 * (bench/ingest-http.ts). It runs on a thread of its own (`fsync-thread.ts`), so the loop goes
 * on decoding the next requests while the disk works.
 *
 * Errors are thrown as they come from the OS (objects with a string `code` such as "EIO" or
 * "ENOSPC"); `errorCode` reads it.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { fdatasyncOnThread } from "./fsync-thread.ts";

export interface FileLayer {
  /** Creates `dir` and its parents if missing. */
  mkdirp(dir: string): void;
  /** Names in `dir` (not paths), in no particular order. */
  readdir(dir: string): string[];
  /** Opens an existing file for reading, or for reading and writing. */
  open(file: string, mode: "read" | "readwrite"): number;
  /** Creates a new, empty file for reading and writing; fails if it exists. */
  create(file: string): number;
  close(fd: number): void;
  /** Current size of an open file. */
  size(fd: number): number;
  /** Reads up to `buf.length` bytes at `pos`; returns how many (fewer only at end of file). */
  read(fd: number, buf: Uint8Array, pos: number): number;
  /** Writes `buf` at `pos`; returns bytes written, which may be fewer than asked. */
  write(fd: number, buf: Uint8Array, pos: number): number;
  /** Makes the file's data (and the size needed to read it) durable. */
  fdatasync(fd: number): void;
  /**
   * The same off the event loop: resolves once the data written before the call is durable.
   * The caller keeps the fd open and writes nothing to it until the promise settles.
   */
  fdatasyncAsync(fd: number): Promise<void>;
  truncate(fd: number, size: number): void;
  /** Makes creates, renames and unlinks in `dir` durable. */
  fsyncDir(dir: string): void;
  rename(from: string, to: string): void;
  unlink(file: string): void;
  exists(file: string): boolean;
}

/** The `code` of an error thrown by a file layer ("EIO", "ENOSPC", ...), or undefined. */
export function errorCode(err: unknown): string | undefined {
  if (typeof err === "object" && err !== null && "code" in err) {
    const code = (err as { code: unknown }).code;
    return typeof code === "string" ? code : undefined;
  }
  return undefined;
}

export function errorText(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/** The real file layer: synchronous `node:fs` calls, each one syscall (two for fsyncDir). */
export const nodeFileLayer: FileLayer = {
  mkdirp(dir) {
    fs.mkdirSync(dir, { recursive: true });
  },
  readdir(dir) {
    return fs.readdirSync(dir);
  },
  open(file, mode) {
    return fs.openSync(file, mode === "read" ? "r" : "r+");
  },
  create(file) {
    return fs.openSync(file, "wx+");
  },
  close(fd) {
    fs.closeSync(fd);
  },
  size(fd) {
    return fs.fstatSync(fd).size;
  },
  read(fd, buf, pos) {
    let done = 0;
    // A regular file returns short reads only at its end, but a loop costs nothing.
    while (done < buf.length) {
      const n = fs.readSync(fd, buf, done, buf.length - done, pos + done);
      if (n === 0) break;
      done += n;
    }
    return done;
  },
  write(fd, buf, pos) {
    return fs.writeSync(fd, buf, 0, buf.length, pos);
  },
  fdatasync(fd) {
    fs.fdatasyncSync(fd);
  },
  fdatasyncAsync(fd) {
    return fdatasyncOnThread(fd);
  },
  truncate(fd, size) {
    fs.ftruncateSync(fd, size);
  },
  fsyncDir(dir) {
    const fd = fs.openSync(dir, "r");
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  },
  rename(from, to) {
    fs.renameSync(from, to);
  },
  unlink(file) {
    fs.unlinkSync(file);
  },
  exists(file) {
    return fs.existsSync(file);
  },
};

export function joinPath(dir: string, name: string): string {
  return path.join(dir, name);
}
