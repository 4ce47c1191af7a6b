/**
 * The segment files of one log: their in-memory index, creating the next one, deleting the
 * ones a checkpoint made obsolete.
 *
 * Invariants (asserted): segments are ordered by first sequence number and contiguous (each
 * starts one after the previous one's last record); only the last one, the active segment, is
 * open for writing; `bytes` is the written end as this process knows it, which is where the
 * next frame goes and how far a cursor may read.
 *
 * A new segment is made durable before any record goes into it: header written, file synced,
 * folder synced. And the group commit syncs the old segment before asking for a new one, so a
 * crash can tear only the last segment; recovery relies on that.
 */
import { assert } from "../lib/index.ts";
import { type FileLayer, errorCode, joinPath } from "./file-layer.ts";
import { SEGMENT_HEADER_BYTES, encodeSegmentHeader, segmentName } from "./format.ts";

export interface Segment {
  readonly name: string;
  readonly path: string;
  readonly firstSeq: number;
  /** The last record's sequence number; firstSeq - 1 while the segment holds none. */
  lastSeq: number;
  /** Bytes written, header included. */
  bytes: number;
}

/** Writes all of `buf` at `pos`, looping over short writes. Throws what the layer throws. */
export function writeFully(fs: FileLayer, fd: number, buf: Uint8Array, pos: number): void {
  let done = 0;
  while (done < buf.length) {
    const n = fs.write(fd, buf.subarray(done), pos + done);
    assert(Number.isInteger(n) && n >= 0 && n <= buf.length - done, `file layer wrote ${n} bytes of ${buf.length - done}`);
    // A regular file reports a full disk as ENOSPC, not as 0; a 0 would loop forever, so it is
    // reported as the disk error it must be.
    if (n === 0) throw Object.assign(new Error("write returned 0 bytes"), { code: "EIO" });
    done += n;
  }
}

/**
 * Creates segment `firstSeq` durably (header, fdatasync, folder fsync) and returns its open fd.
 * On failure the half-made file is removed; if even that fails, `cleanupFailed` is set on the
 * thrown error, and the caller must stop writing (a later roll would collide with the name).
 */
export function createSegmentFile(fs: FileLayer, dir: string, firstSeq: number): { segment: Segment; fd: number } {
  const name = segmentName(firstSeq);
  const path = joinPath(dir, name);
  const fd = fs.create(path);
  try {
    writeFully(fs, fd, encodeSegmentHeader(firstSeq), 0);
    fs.fdatasync(fd);
    fs.fsyncDir(dir);
  } catch (err) {
    let cleanupFailed = false;
    try {
      fs.close(fd);
      fs.unlink(path);
    } catch {
      cleanupFailed = true;
    }
    throw Object.assign(err instanceof Error ? err : new Error(String(err)), { cleanupFailed });
  }
  return { segment: { name, path, firstSeq, lastSeq: firstSeq - 1, bytes: SEGMENT_HEADER_BYTES }, fd };
}

export class SegmentSet {
  private readonly list: Segment[];
  private fd: number;
  private bytesTotal = 0;

  constructor(
    private readonly fs: FileLayer,
    readonly dir: string,
    segments: Segment[],
    activeFd: number,
  ) {
    assert(segments.length > 0, "a log has at least one segment");
    for (let i = 1; i < segments.length; i++) {
      assert(segments[i]!.firstSeq === segments[i - 1]!.lastSeq + 1, `segment ${segments[i]!.name} does not follow its predecessor`);
    }
    this.list = segments;
    this.fd = activeFd;
    for (const s of segments) this.bytesTotal += s.bytes;
  }

  get active(): Segment {
    return this.list[this.list.length - 1]!;
  }

  get activeFd(): number {
    return this.fd;
  }

  get count(): number {
    return this.list.length;
  }

  get first(): Segment {
    return this.list[0]!;
  }

  /** Bytes of all segment files, as written by this process. */
  get totalBytes(): number {
    return this.bytesTotal;
  }

  /** Records that `bytes` more were written to the active segment, up to `lastSeq`. */
  noteWritten(bytes: number, lastSeq: number): void {
    const seg = this.active;
    assert(lastSeq >= seg.lastSeq, "sequence numbers only grow");
    seg.bytes += bytes;
    seg.lastSeq = lastSeq;
    this.bytesTotal += bytes;
  }

  /** The segment holding `seq`, or undefined if it was deleted or is not written yet. */
  find(seq: number): Segment | undefined {
    let lo = 0;
    let hi = this.list.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const s = this.list[mid]!;
      if (seq < s.firstSeq) hi = mid - 1;
      else if (seq > s.lastSeq) lo = mid + 1;
      else return s;
    }
    return undefined;
  }

  /**
   * Starts segment `firstSeq`. The caller has synced the active segment. On failure the active
   * segment stays as it was, still open.
   */
  roll(firstSeq: number): void {
    assert(firstSeq === this.active.lastSeq + 1, `new segment must start at ${this.active.lastSeq + 1}, not ${firstSeq}`);
    const { segment, fd } = createSegmentFile(this.fs, this.dir, firstSeq);
    const oldFd = this.fd;
    this.list.push(segment);
    this.bytesTotal += segment.bytes;
    this.fd = fd;
    // The old segment is synced; a failed close loses nothing, so it is not a reason to stop.
    try {
      this.fs.close(oldFd);
    } catch {
      /* ignored on purpose, see above */
    }
  }

  /**
   * Deletes the segments whose records are all at or below `seq`, never the active one, then
   * syncs the folder. Returns what was deleted. Throws the file layer's error, with
   * `deleted` set, if an unlink or the folder sync fails.
   */
  deleteThrough(seq: number): { names: string[]; bytesFreed: number } {
    const names: string[] = [];
    let bytesFreed = 0;
    try {
      while (this.list.length > 1 && this.list[0]!.lastSeq <= seq) {
        const seg = this.list[0]!;
        this.fs.unlink(seg.path);
        this.list.shift();
        this.bytesTotal -= seg.bytes;
        bytesFreed += seg.bytes;
        names.push(seg.name);
      }
      if (names.length > 0) this.fs.fsyncDir(this.dir);
    } catch (err) {
      throw Object.assign(err instanceof Error ? err : new Error(String(err)), { deleted: names, code: errorCode(err) });
    }
    return { names, bytesFreed };
  }

  closeActive(): void {
    if (this.fd < 0) return;
    const fd = this.fd;
    this.fd = -1;
    this.fs.close(fd);
  }
}
