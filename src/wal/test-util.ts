/**
 * Helpers shared by the log's tests (not used by the log itself): temp folders on the real
 * disk, seeds for randomized tests, and a file layer
 * wrapper that counts calls on the real file system.
 */
import { afterEach } from "bun:test";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { type FileLayer, nodeFileLayer } from "./file-layer.ts";
import { SEGMENT_HEADER_BYTES, viewOf } from "./format.ts";
import { decodeFrameAt, newFrameOut } from "./decoder.ts";

/** A fresh folder under the OS temp folder; call `remove()` when done. */
export function tempDir(prefix = "edgeflow-wal-"): { dir: string; remove: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** A fresh temp folder per call, removed after each test of the file that calls this at its top level. */
export function tempDirsPerTest(): () => string {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const c of cleanups.splice(0)) c();
  });
  return () => {
    const t = tempDir();
    cleanups.push(t.remove);
    return t.dir;
  };
}

/** The seed of a randomized test: `SEED=` from the environment, else fresh. Printed so a failure replays. */
export function testSeed(name: string): number {
  const env = process.env.SEED;
  const seed = env !== undefined && env !== "" ? Number(env) : (Date.now() ^ (Math.random() * 0x7fffffff)) >>> 0;
  console.log(`[${name}] seed=${seed} (replay with SEED=${seed})`);
  return seed;
}

/** Bytes of a distinct, checkable record: its index as text, padded with a pattern to `bytes`. */
export function record(id: number, bytes = 24): Uint8Array {
  const head = new TextEncoder().encode(`r${id};`);
  const out = new Uint8Array(Math.max(bytes, head.length));
  out.set(head);
  for (let i = head.length; i < out.length; i++) out[i] = (id * 31 + i) & 0xff;
  return out;
}

/** The id `record()` put in a payload. */
export function recordId(payload: Uint8Array): number {
  const text = new TextDecoder().decode(payload.subarray(0, Math.min(24, payload.length)));
  const m = /^r(\d+);/.exec(text);
  if (!m || m[1] === undefined) throw new Error(`not a test record: ${text}`);
  return Number(m[1]);
}

/** The real file layer, with a count of each call (fsyncs are what the group commit saves). */
export function countingFs(inner: FileLayer = nodeFileLayer): FileLayer & { counts: Record<string, number> } {
  const counts: Record<string, number> = {};
  const wrapped = {} as FileLayer & { counts: Record<string, number> };
  for (const key of Object.keys(inner) as (keyof FileLayer)[]) {
    const fn = inner[key] as (...args: unknown[]) => unknown;
    (wrapped as unknown as Record<string, unknown>)[key] = (...args: unknown[]) => {
      counts[key] = (counts[key] ?? 0) + 1;
      return fn.apply(inner, args);
    };
  }
  wrapped.counts = counts;
  return wrapped;
}

/** Where each verified frame of a segment image lies (the decoder has its own tests). */
export function frameMap(image: Uint8Array, recordBytesMax = 1 << 20): { seq: number; offset: number; payloadEnd: number; end: number }[] {
  const view = viewOf(image);
  const out = newFrameOut();
  const frames: { seq: number; offset: number; payloadEnd: number; end: number }[] = [];
  let pos = SEGMENT_HEADER_BYTES;
  while (decodeFrameAt(image, view, pos, image.length, recordBytesMax, out) === "ok") {
    frames.push({ seq: out.seq, offset: pos, payloadEnd: out.payloadStart + out.payloadBytes, end: out.frameEnd });
    pos = out.frameEnd;
  }
  return frames;
}

/** Segment file names in a folder of the real file system, in log order. */
export function segmentFiles(dir: string): string[] {
  return fs.readdirSync(dir).filter((n) => /^[0-9a-f]{16}\.wal$/.test(n)).sort();
}
