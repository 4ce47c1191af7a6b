import { describe, expect, test } from "bun:test";
import { Gzip, gzipSync } from "fflate";
import { EdgeflowError } from "../../lib/index.ts";
import { contentEncodingOf, readBody } from "./body.ts";

const MiB = 1024 * 1024;

function post(body: RequestInit["body"], headers: Record<string, string> = {}): Request {
  return new Request("http://edgeflow.test/v1/mutate", { method: "POST", body, headers });
}

/** A body stream that hands out `chunks` one pull at a time and records how far it was read. */
function streamOf(next: (pull: number) => Uint8Array | undefined): { stream: ReadableStream<Uint8Array>; pulls: () => number; cancelled: () => boolean } {
  let pulls = 0;
  let cancelled = false;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      const chunk = next(pulls++);
      if (chunk === undefined) controller.close();
      else controller.enqueue(chunk);
    },
    cancel() {
      cancelled = true;
    },
  }, { highWaterMark: 0 });
  return { stream, pulls: () => pulls, cancelled: () => cancelled };
}

async function rejection(promise: Promise<unknown>): Promise<EdgeflowError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(EdgeflowError);
    return error as EdgeflowError;
  }
  throw new Error("expected the promise to reject");
}

/** A gzip stream of `totalBytes` zeros, compressed lazily, `chunkBytes` of zeros a pull. */
function zeroGzipStream(totalBytes: number, chunkBytes: number) {
  const zeros = new Uint8Array(chunkBytes);
  const pending: Uint8Array[] = [];
  const gzip = new Gzip({ level: 6 }, (data) => pending.push(data));
  let fed = 0;
  let compressedBytes = 0;
  const source = streamOf(() => {
    while (pending.length === 0) {
      if (fed >= totalBytes) return undefined;
      fed += chunkBytes;
      gzip.push(zeros, fed >= totalBytes);
    }
    const chunk = pending.shift() as Uint8Array;
    compressedBytes += chunk.byteLength;
    return chunk;
  });
  return { ...source, zerosFed: () => fed, compressedBytes: () => compressedBytes };
}

describe("ingest: readBody", () => {
  test("ingest: body: a plain body is read whole", async () => {
    const body = await readBody(post("hello\nworld\n"));
    expect(new TextDecoder().decode(body)).toBe("hello\nworld\n");
  });

  test("ingest: body: no body reads as empty", async () => {
    expect((await readBody(new Request("http://edgeflow.test/", { method: "POST" }))).byteLength).toBe(0);
  });

  test("ingest: body: a declared Content-Length over the wire limit is refused before reading", async () => {
    const source = streamOf(() => new Uint8Array(1024));
    const request = new Request("http://edgeflow.test/", { method: "POST", body: source.stream, headers: { "content-length": String(2 * MiB) } });
    const error = await rejection(readBody(request, { wireBytesMax: MiB }));
    expect(error.kind).toBe("too_large");
    expect(error.code).toBe("body_too_large");
    expect(source.pulls()).toBeLessThanOrEqual(1);
  });

  test("ingest: body: an endless chunked body is cut off at the wire limit and cancelled", async () => {
    const chunk = new Uint8Array(64 * 1024).fill(0x61);
    const source = streamOf(() => chunk);
    const error = await rejection(readBody(post(source.stream), { wireBytesMax: MiB }));
    expect(error.kind).toBe("too_large");
    expect(error.code).toBe("body_too_large");
    // 16 chunks fill the limit; the 17th crosses it and reading stops right there.
    expect(source.pulls()).toBeLessThanOrEqual(18);
    expect(source.cancelled()).toBe(true);
  });

  test("ingest: body: a body exactly at the wire limit is accepted", async () => {
    const body = await readBody(post(new Uint8Array(MiB)), { wireBytesMax: MiB });
    expect(body.byteLength).toBe(MiB);
  });

  test("ingest: body: gzip is gunzipped, also when it arrives in tiny chunks", async () => {
    const text = `${'{"timestamp":1,"from":1,"to":2,"label":"view"}\n'.repeat(5000)}`;
    const gz = gzipSync(new TextEncoder().encode(text));
    const whole = await readBody(post(gz, { "content-encoding": "gzip" }));
    expect(new TextDecoder().decode(whole)).toBe(text);
    let offset = 0;
    const source = streamOf(() => {
      if (offset >= gz.length) return undefined;
      const piece = gz.subarray(offset, offset + 7);
      offset += 7;
      return piece;
    });
    const chunked = await readBody(post(source.stream, { "content-encoding": "x-gzip" }));
    expect(new TextDecoder().decode(chunked)).toBe(text);
  });

  test("ingest: body: two concatenated gzip members are read as one body", async () => {
    const a = gzipSync(new TextEncoder().encode("first\n"));
    const b = gzipSync(new TextEncoder().encode("second\n"));
    const both = new Uint8Array(a.length + b.length);
    both.set(a);
    both.set(b, a.length);
    const body = await readBody(post(both, { "content-encoding": "gzip" }));
    expect(new TextDecoder().decode(body)).toBe("first\nsecond\n");
  });

  test("ingest: body: a 1 GiB gzip bomb is cut off at the decoded limit with bounded memory", async () => {
    const bomb = zeroGzipStream(1024 * MiB, MiB);
    const before = process.memoryUsage();
    const error = await rejection(readBody(post(bomb.stream, { "content-encoding": "gzip" }), { decodedBytesMax: 64 * MiB, expansionRatioMax: 1e9 }));
    const after = process.memoryUsage();
    expect(error.kind).toBe("too_large");
    expect(error.code).toBe("decoded_too_large");
    // Reading stopped near the limit: a small fraction of the 1 GiB was ever compressed or sent.
    expect(bomb.zerosFed()).toBeLessThan(128 * MiB);
    expect(bomb.compressedBytes()).toBeLessThan(MiB);
    // Held at the cut: 64 MiB of output plus one slice's worth, far from the 1 GiB sent.
    expect(after.heapUsed - before.heapUsed).toBeLessThan(256 * MiB);
    expect(after.rss - before.rss).toBeLessThan(512 * MiB);
    expect(bomb.cancelled()).toBe(true);
  });

  test("ingest: body: a gzip bomb under the size limit is cut off by the expansion ratio", async () => {
    const bomb = zeroGzipStream(1024 * MiB, MiB);
    const error = await rejection(readBody(post(bomb.stream, { "content-encoding": "gzip" }), { expansionRatioMax: 50 }));
    expect(error.kind).toBe("too_large");
    expect(error.code).toBe("expansion_too_large");
    expect(bomb.zerosFed()).toBeLessThan(16 * MiB);
  });

  test("ingest: body: an unknown Content-Encoding is invalid (unsupported_encoding)", async () => {
    for (const encoding of ["br", "deflate", "gzip, br", "compress"]) {
      const error = await rejection(readBody(post("x", { "content-encoding": encoding })));
      expect(error.kind).toBe("invalid");
      expect(error.code).toBe("unsupported_encoding");
    }
    expect(contentEncodingOf("identity")).toBe("identity");
    expect(contentEncodingOf(" GZIP ")).toBe("gzip");
    expect(contentEncodingOf("identity, gzip")).toBe("gzip");
  });

  test("ingest: body: data that is not gzip is invalid (corrupt_gzip)", async () => {
    const error = await rejection(readBody(post("this is not gzip at all, just text", { "content-encoding": "gzip" })));
    expect(error.kind).toBe("invalid");
    expect(error.code).toBe("corrupt_gzip");
  });

  test("ingest: body: a flipped byte in the gzip data is caught (corrupt_gzip)", async () => {
    const gz = gzipSync(new TextEncoder().encode("hello world, ".repeat(200)));
    for (let at = 12; at < gz.length - 8; at += 3) {
      const bad = gz.slice();
      bad[at] = (bad[at] as number) ^ 0x5a;
      const error = await rejection(readBody(post(bad, { "content-encoding": "gzip" })));
      expect(error.code).toBe("corrupt_gzip");
    }
  });

  test("ingest: body: a gzip body cut off before its end is caught (corrupt_gzip)", async () => {
    const gz = gzipSync(new TextEncoder().encode("hello world, ".repeat(200)));
    for (const cut of [1, 5, 10, 20, gz.length - 8, gz.length - 1]) {
      const error = await rejection(readBody(post(gz.subarray(0, cut), { "content-encoding": "gzip" })));
      expect(error.code).toBe("corrupt_gzip");
    }
  });

  test("ingest: body: a corrupt second gzip member is caught (corrupt_gzip)", async () => {
    const a = gzipSync(new TextEncoder().encode("first\n".repeat(50)));
    const b = gzipSync(new TextEncoder().encode("second\n".repeat(50)));
    const both = new Uint8Array(a.length + b.length);
    both.set(a);
    both.set(b, a.length);
    both[a.length - 6] = (both[a.length - 6] as number) ^ 1; // the first member's CRC
    const error = await rejection(readBody(post(both, { "content-encoding": "gzip" })));
    expect(error.code).toBe("corrupt_gzip");
  });
});
