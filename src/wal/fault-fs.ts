/**
 * A file layer in memory that can be made to lie, for tests (TigerBeetle's idea: the storage
 * is passed in, so a test can make the disk fail, tear and forget).
 *
 * It keeps, for every file, the bytes as the process sees them (the page cache) and the bytes
 * the last fdatasync made durable, plus the writes and truncations since; for every directory,
 * the entries as seen and as last made durable by an fsync of the directory, plus the creates,
 * renames and unlinks since. Then:
 *
 * - `crash("process")` is `kill -9`: everything the process wrote survives, open files close.
 * - `crash("power")` is a power cut: each directory keeps a random prefix of its unsynced
 *   operations (a journaling file system commits metadata in order). Each file, in one of
 *   three ways picked at random: keeps its durable bytes plus a prefix of its unsynced writes
 *   and the next write cut at a random byte; or the same with the next write landing only as
 *   a random subset of its 512-byte sectors (the others read as zeros, as blocks of a grown
 *   file that were never written do); or, as page write-back really behaves, every sector
 *   holds what it held after some random prefix of the unsynced writes, independently of its
 *   neighbours, and the size comes from yet another prefix.
 * - `failOn(op, ...)` makes the n-th call of an operation throw EIO or ENOSPC, once or from
 *   then on; `crashAt(k)` makes the k-th mutating call and every call after it fail, as if the
 *   machine stopped there, until `crash()` "reboots" it.
 * - `capacityBytes` makes writes past a total size short, then ENOSPC, as a full disk does;
 *   `shortWrites` makes writes return a random, smaller count. A short write ends on a 512-byte
 *   boundary of the file, as the kernel's page-by-page copy does (a write within one sector is
 *   never short), so a write's tail never shares a sector with the next write's head.
 *
 * Randomness comes from a seeded generator, so a failing property test replays exactly.
 */
import { seededRandom } from "../lib/index.ts";
import * as path from "node:path";
import { assert } from "../lib/index.ts";
import type { FileLayer } from "./file-layer.ts";

export type FaultOp =
  | "mkdirp"
  | "readdir"
  | "open"
  | "create"
  | "close"
  | "size"
  | "read"
  | "write"
  | "fdatasync"
  | "truncate"
  | "fsyncDir"
  | "rename"
  | "unlink"
  | "exists";

/** Past this many unsynced operations a file is torn the cheaper ways (the write-back model copies the file per operation). */
const WRITEBACK_OPS_MAX = 64;

const MUTATING_OPS: ReadonlySet<FaultOp> = new Set(["create", "write", "fdatasync", "truncate", "fsyncDir", "rename", "unlink"]);

export type CrashMode = "process" | "power";

interface Inode {
  data: Uint8Array; // capacity may exceed size
  size: number;
  durable: Uint8Array; // exact length = durable size
  pending: PendingFileOp[];
}

type PendingFileOp = { kind: "write"; pos: number; bytes: Uint8Array } | { kind: "truncate"; size: number };

type PendingDirOp =
  | { kind: "link"; name: string; inode: Inode }
  | { kind: "unlink"; name: string }
  | { kind: "rename"; from: string; to: string; inode: Inode };

interface Dir {
  entries: Map<string, Inode>;
  durable: Map<string, Inode>;
  pending: PendingDirOp[];
}

interface OpenFile {
  inode: Inode;
  writable: boolean;
}

interface FailRule {
  op: FaultOp;
  nth: number;
  code: string;
  persistent: boolean;
}

export interface FaultFsOptions {
  seed?: number;
  /** Total bytes all files may hold; writes beyond are short, then fail with ENOSPC. */
  capacityBytes?: number;
  /** Every write returns a random count between 1 and the bytes asked for. */
  shortWrites?: boolean;
}

export class FaultFileError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(`${code}: ${message}`);
    this.code = code;
  }
}


export class FaultFileLayer implements FileLayer {
  /** Calls per operation, counted before any injected failure. */
  readonly counts: Record<FaultOp, number> = {
    mkdirp: 0, readdir: 0, open: 0, create: 0, close: 0, size: 0, read: 0, write: 0,
    fdatasync: 0, truncate: 0, fsyncDir: 0, rename: 0, unlink: 0, exists: 0,
  };
  capacityBytes: number;
  shortWrites: boolean;
  private readonly dirs = new Map<string, Dir>();
  private readonly fds = new Map<number, OpenFile>();
  private nextFd = 3;
  private rules: FailRule[] = [];
  private mutatingCount = 0;
  private crashAtMutation = Infinity;
  private frozen = false;
  /** Counts `crash()` calls: an fsync in flight across a crash never completes. */
  private crashes = 0;
  /** Files with an `fdatasyncAsync` in flight: writing to one then breaks the layer's contract. */
  private readonly syncing = new Set<Inode>();
  private readonly random: () => number;

  constructor(options: FaultFsOptions = {}) {
    this.random = seededRandom(options.seed ?? 1);
    this.capacityBytes = options.capacityBytes ?? Infinity;
    this.shortWrites = options.shortWrites ?? false;
  }

  /** Makes the `nth` (from 1, counted from now) call of `op` throw `code`; every later one too if persistent. */
  failOn(op: FaultOp, options: { nth?: number; code?: "EIO" | "ENOSPC"; persistent?: boolean } = {}): void {
    const nth = this.counts[op] + (options.nth ?? 1);
    this.rules.push({ op, nth, code: options.code ?? "EIO", persistent: options.persistent ?? false });
  }

  clearFaults(): void {
    this.rules = [];
  }

  /** The machine stops at the `k`-th mutating call from now (from 1): it and all later calls fail. */
  crashAt(k: number): void {
    assert(Number.isInteger(k) && k >= 1, "crashAt takes a positive integer");
    this.crashAtMutation = this.mutatingCount + k;
  }

  get isFrozen(): boolean {
    return this.frozen;
  }

  /** Mutating calls so far (create, write, fdatasync, truncate, fsyncDir, rename, unlink). */
  get mutatingCalls(): number {
    return this.mutatingCount;
  }

  /** Simulates a crash and a reboot: see the file's doc block. Every open file is closed. */
  crash(mode: CrashMode): void {
    this.crashes++;
    this.syncing.clear();
    this.fds.clear();
    this.frozen = false;
    this.crashAtMutation = Infinity;
    this.rules = [];
    const survivors = new Set<Inode>();
    for (const dir of this.dirs.values()) {
      if (mode === "power") {
        const keep = Math.floor(this.random() * (dir.pending.length + 1));
        for (const op of dir.pending.slice(0, keep)) applyDirOp(dir.durable, op);
        dir.entries = new Map(dir.durable);
      }
      dir.durable = new Map(dir.entries);
      dir.pending = [];
      for (const inode of dir.entries.values()) survivors.add(inode);
    }
    for (const inode of survivors) {
      if (mode === "power") this.tearInode(inode);
      inode.durable = inode.data.slice(0, inode.size);
      inode.pending = [];
    }
  }

  private tearInode(inode: Inode): void {
    const ops = inode.pending;
    if (ops.length > 0 && ops.length <= WRITEBACK_OPS_MAX && this.random() < 1 / 3) {
      inode.data = this.writeback(inode.durable, ops);
      inode.size = inode.data.length;
      return;
    }
    const keep = Math.floor(this.random() * (ops.length + 1));
    let image: Uint8Array = inode.durable.slice();
    for (let i = 0; i < keep; i++) image = applyFileOp(image, ops[i]!);
    const torn = ops[keep];
    if (torn && torn.kind === "write" && torn.bytes.length > 0) image = this.tearWrite(image, torn);
    inode.data = image;
    inode.size = image.length;
  }

  /** Every sector from the state after a random prefix of `ops`; the size from another. */
  private writeback(durable: Uint8Array, ops: PendingFileOp[]): Uint8Array {
    const states: Uint8Array[] = [durable];
    for (const op of ops) states.push(applyFileOp(states[states.length - 1]!, op));
    const pick = () => states[Math.floor(this.random() * states.length)]!;
    const out = new Uint8Array(pick().length);
    for (let s = 0; s < out.length; s += 512) {
      const from = pick();
      if (from.length > s) out.set(from.subarray(s, Math.min(s + 512, out.length, from.length)), s);
    }
    return out;
  }

  private tearWrite(image: Uint8Array, op: { pos: number; bytes: Uint8Array }): Uint8Array {
    const end = op.pos + op.bytes.length;
    if (this.random() < 0.5) {
      // Cut at a byte: the file holds a prefix of the write.
      const cut = Math.floor(this.random() * op.bytes.length);
      return applyFileOp(image, { kind: "write", pos: op.pos, bytes: op.bytes.subarray(0, cut) });
    }
    // Sectors: the file grew to the end of the write, some sectors landed, the rest are zeros.
    const out = new Uint8Array(Math.max(image.length, end));
    out.set(image);
    for (let s = op.pos - (op.pos % 512); s < end; s += 512) {
      if (this.random() < 0.5) continue;
      const from = Math.max(s, op.pos);
      const to = Math.min(s + 512, end);
      out.set(op.bytes.subarray(from - op.pos, to - op.pos), from);
    }
    return out;
  }

  // ---- helpers for tests: look at and damage files directly, outside the crash model ----

  /** The bytes of a file as the process sees them. */
  fileBytes(file: string): Uint8Array {
    const inode = this.lookup(file);
    return inode.data.slice(0, inode.size);
  }

  /** Replaces a file's bytes, durably (as damage on the disk would be). */
  setFileBytes(file: string, bytes: Uint8Array): void {
    const inode = this.lookup(file);
    inode.data = bytes.slice();
    inode.size = bytes.length;
    inode.durable = bytes.slice();
    inode.pending = [];
  }

  list(dir: string): string[] {
    return [...(this.dirs.get(path.resolve(dir))?.entries.keys() ?? [])].sort();
  }

  usedBytes(): number {
    let total = 0;
    const seen = new Set<Inode>();
    for (const dir of this.dirs.values()) {
      for (const inode of dir.entries.values()) if (!seen.has(inode)) (seen.add(inode), (total += inode.size));
    }
    return total;
  }

  // ---- FileLayer ----

  mkdirp(dir: string): void {
    this.enter("mkdirp");
    // Directories themselves are created durably: the log's folder is made once, at setup.
    let d = path.resolve(dir);
    while (!this.dirs.has(d)) {
      this.dirs.set(d, { entries: new Map(), durable: new Map(), pending: [] });
      const parent = path.dirname(d);
      if (parent === d) break;
      d = parent;
    }
  }

  readdir(dir: string): string[] {
    this.enter("readdir");
    const d = this.dirs.get(path.resolve(dir));
    if (!d) throw new FaultFileError("ENOENT", `no such directory ${dir}`);
    return [...d.entries.keys()];
  }

  open(file: string, mode: "read" | "readwrite"): number {
    this.enter("open");
    return this.addFd({ inode: this.lookup(file), writable: mode === "readwrite" });
  }

  create(file: string): number {
    this.enter("create");
    const { dir, name } = this.locate(file);
    if (dir.entries.has(name)) throw new FaultFileError("EEXIST", `${file} exists`);
    const inode: Inode = { data: new Uint8Array(0), size: 0, durable: new Uint8Array(0), pending: [] };
    dir.entries.set(name, inode);
    dir.pending.push({ kind: "link", name, inode });
    return this.addFd({ inode, writable: true });
  }

  close(fd: number): void {
    this.enter("close");
    this.file(fd);
    this.fds.delete(fd);
  }

  size(fd: number): number {
    this.enter("size");
    return this.file(fd).inode.size;
  }

  read(fd: number, buf: Uint8Array, pos: number): number {
    this.enter("read");
    const { inode } = this.file(fd);
    const n = Math.max(0, Math.min(buf.length, inode.size - pos));
    buf.set(inode.data.subarray(pos, pos + n));
    return n;
  }

  write(fd: number, buf: Uint8Array, pos: number): number {
    this.enter("write");
    const f = this.file(fd);
    assert(!this.syncing.has(f.inode), "a write to a file whose fdatasyncAsync is in flight");
    if (!f.writable) throw new FaultFileError("EBADF", "file not open for writing");
    let n = buf.length;
    if (this.shortWrites) n = this.shortCount(pos, n);
    const growth = Math.max(0, pos + n - f.inode.size);
    const room = this.capacityBytes - this.usedBytes();
    if (growth > room) {
      n = Math.max(0, Math.min(n, f.inode.size + room - pos));
      if (n === 0) throw new FaultFileError("ENOSPC", "no space left on device");
    }
    const bytes = buf.slice(0, n);
    writeInto(f.inode, pos, bytes);
    f.inode.pending.push({ kind: "write", pos, bytes });
    return n;
  }

  /** A random shorter count ending on a 512-byte file boundary, or `n` if the write has none inside. */
  private shortCount(pos: number, n: number): number {
    const firstBoundary = pos - (pos % 512) + 512;
    if (firstBoundary >= pos + n) return n;
    const boundaries = Math.floor((pos + n - firstBoundary - 1) / 512) + 1;
    return firstBoundary + 512 * Math.floor(this.random() * boundaries) - pos;
  }

  fdatasync(fd: number): void {
    this.enter("fdatasync");
    const { inode } = this.file(fd);
    inode.durable = inode.data.slice(0, inode.size);
    inode.pending = [];
  }

  /**
   * The fsync happens on a later turn of the event loop, as on a worker thread: the faults it
   * meets (and the call count) are those of that moment. A crash meanwhile makes it fail
   * without touching the files: the process that issued it is gone.
   */
  fdatasyncAsync(fd: number): Promise<void> {
    let inode: Inode;
    try {
      inode = this.file(fd).inode;
    } catch (err) {
      return Promise.reject(err);
    }
    const crashes = this.crashes;
    this.syncing.add(inode);
    return new Promise((resolve, reject) => {
      setImmediate(() => {
        if (this.crashes !== crashes) return reject(new FaultFileError("EIO", "the machine crashed while the fsync was in flight"));
        this.syncing.delete(inode);
        try {
          this.fdatasync(fd);
          resolve();
        } catch (err) {
          reject(err);
        }
      });
    });
  }

  truncate(fd: number, size: number): void {
    this.enter("truncate");
    const f = this.file(fd);
    if (!f.writable) throw new FaultFileError("EBADF", "file not open for writing");
    const image = applyFileOp(f.inode.data.slice(0, f.inode.size), { kind: "truncate", size });
    f.inode.data = image;
    f.inode.size = image.length;
    f.inode.pending.push({ kind: "truncate", size });
  }

  fsyncDir(dir: string): void {
    this.enter("fsyncDir");
    const d = this.dirs.get(path.resolve(dir));
    if (!d) throw new FaultFileError("ENOENT", `no such directory ${dir}`);
    d.durable = new Map(d.entries);
    d.pending = [];
  }

  rename(from: string, to: string): void {
    this.enter("rename");
    const a = this.locate(from);
    const b = this.locate(to);
    // The log renames only within its own folder; across folders would need two directory logs.
    assert(a.dir === b.dir, "fault fs: rename across directories is not modelled");
    const inode = a.dir.entries.get(a.name);
    if (!inode) throw new FaultFileError("ENOENT", `no such file ${from}`);
    a.dir.entries.delete(a.name);
    a.dir.entries.set(b.name, inode);
    a.dir.pending.push({ kind: "rename", from: a.name, to: b.name, inode });
  }

  unlink(file: string): void {
    this.enter("unlink");
    const { dir, name } = this.locate(file);
    if (!dir.entries.delete(name)) throw new FaultFileError("ENOENT", `no such file ${file}`);
    dir.pending.push({ kind: "unlink", name });
  }

  exists(file: string): boolean {
    this.enter("exists");
    const resolved = path.resolve(file);
    if (this.dirs.has(resolved)) return true;
    return this.dirs.get(path.dirname(resolved))?.entries.has(path.basename(resolved)) ?? false;
  }

  // ---- internals ----

  private enter(op: FaultOp): void {
    this.counts[op]++;
    if (this.frozen) throw new FaultFileError("EIO", `machine stopped (crash injected); ${op} refused`);
    if (MUTATING_OPS.has(op)) {
      this.mutatingCount++;
      if (this.mutatingCount >= this.crashAtMutation) {
        this.frozen = true;
        throw new FaultFileError("EIO", `machine stopped at mutating call ${this.mutatingCount} (${op})`);
      }
    }
    const count = this.counts[op];
    for (const rule of this.rules) {
      if (rule.op === op && (count === rule.nth || (rule.persistent && count > rule.nth))) {
        throw new FaultFileError(rule.code, `injected failure of ${op} call ${count}`);
      }
    }
  }

  private addFd(file: OpenFile): number {
    const fd = this.nextFd++;
    this.fds.set(fd, file);
    return fd;
  }

  private file(fd: number): OpenFile {
    const f = this.fds.get(fd);
    if (!f) throw new FaultFileError("EBADF", `bad file descriptor ${fd}`);
    return f;
  }

  private locate(file: string): { dir: Dir; name: string } {
    const resolved = path.resolve(file);
    const dir = this.dirs.get(path.dirname(resolved));
    if (!dir) throw new FaultFileError("ENOENT", `no such directory for ${file}`);
    return { dir, name: path.basename(resolved) };
  }

  private lookup(file: string): Inode {
    const { dir, name } = this.locate(file);
    const inode = dir.entries.get(name);
    if (!inode) throw new FaultFileError("ENOENT", `no such file ${file}`);
    return inode;
  }
}

function applyDirOp(entries: Map<string, Inode>, op: PendingDirOp): void {
  if (op.kind === "link") entries.set(op.name, op.inode);
  else if (op.kind === "unlink") entries.delete(op.name);
  else {
    entries.delete(op.from);
    entries.set(op.to, op.inode);
  }
}

function applyFileOp(image: Uint8Array, op: PendingFileOp): Uint8Array {
  if (op.kind === "truncate") {
    const out = new Uint8Array(op.size);
    out.set(image.subarray(0, Math.min(op.size, image.length)));
    return out;
  }
  const end = op.pos + op.bytes.length;
  const out = end > image.length ? new Uint8Array(end) : image.slice();
  out.set(image.subarray(0, Math.min(image.length, out.length)));
  out.set(op.bytes, op.pos);
  return out;
}

function writeInto(inode: Inode, pos: number, bytes: Uint8Array): void {
  const end = pos + bytes.length;
  if (end > inode.data.length) {
    const grown = new Uint8Array(Math.max(end, inode.data.length * 2, 4096));
    grown.set(inode.data.subarray(0, inode.size));
    inode.data = grown;
  }
  // A write past the end leaves a hole, which reads as zeros; the buffer is zeroed there already
  // unless a truncation shrank the file, so clear the gap explicitly.
  if (pos > inode.size) inode.data.fill(0, inode.size, pos);
  inode.data.set(bytes, pos);
  inode.size = Math.max(inode.size, end);
}
