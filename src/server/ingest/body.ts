/**
 * Reads a request body under limits, gunzipping on the fly.
 *
 * Memory stays bounded for any body: the wire limit is enforced per chunk as chunks arrive
 * (a declared Content-Length over it is refused before reading), and gzip input is fed to the
 * inflater in slices of `gunzipSliceBytes`, so one push can produce at most ~1032 × that many
 * bytes (deflate's best ratio) before the decoded-size and expansion-ratio checks run. Over a
 * limit the stream is cancelled and `too_large` thrown at once: a gzip bomb or an endless
 * chunked body costs at most the limit plus one slice's output.
 *
 * fflate does not check the gzip trailer, so this module does: each member's CRC-32 and
 * length must match what was inflated, which catches corruption that still inflates and
 * bodies cut off before their trailer.
 */
import { Gunzip } from "fflate";
import { crc32 } from "node:zlib";
import { EdgeflowError } from "../../lib/index.ts";
import { ingestDefaults } from "./types.ts";

export interface BodyLimits {
  wireBytesMax?: number;
  decodedBytesMax?: number;
  expansionRatioMax?: number;
  expansionFloorBytes?: number;
}

/** Compressed bytes per inflater push: at most ~8.3 MiB of output per push. */
const gunzipSliceBytes = 8 * 1024;
const gzipMemberBytesMin = 18; // 10-byte header + empty deflate block (2) + 8-byte trailer, minus slack

type Encoding = "identity" | "gzip";

export function contentEncodingOf(header: string | null): Encoding {
  if (header === null) return "identity";
  const codings = header.split(",").map((c) => c.trim().toLowerCase()).filter((c) => c !== "" && c !== "identity");
  if (codings.length === 0) return "identity";
  if (codings.length === 1 && (codings[0] === "gzip" || codings[0] === "x-gzip")) return "gzip";
  throw new EdgeflowError("invalid", "unsupported_encoding", `Content-Encoding ${JSON.stringify(header)} is not supported; send gzip or no encoding`, { status: 415, encoding: header });
}

function tooLarge(code: string, message: string, limitBytes: number): EdgeflowError {
  return new EdgeflowError("too_large", code, message, { limitBytes });
}

/**
 * Reads `request.body` whole, within `limits`, and gunzips it when `Content-Encoding: gzip`.
 * Throws `EdgeflowError` `too_large` (wire or decoded size, expansion ratio) or `invalid`
 * (unknown encoding, corrupt gzip).
 */
export async function readBody(request: Request, limits: BodyLimits = {}): Promise<Uint8Array> {
  const wireBytesMax = limits.wireBytesMax ?? ingestDefaults.wireBytesMax;
  const encoding = contentEncodingOf(request.headers.get("content-encoding"));
  const declared = Number(request.headers.get("content-length") ?? "");
  if (Number.isFinite(declared) && declared > wireBytesMax) {
    await request.body?.cancel().catch(() => undefined);
    throw tooLarge("body_too_large", `body of ${declared} bytes is over the limit of ${wireBytesMax}`, wireBytesMax);
  }
  if (request.body === null) return new Uint8Array(0);
  const sink = encoding === "gzip" ? new GunzipSink(limits) : new PlainSink();
  const reader = request.body.getReader();
  let wireBytes = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      wireBytes += value.byteLength;
      if (wireBytes > wireBytesMax) {
        throw tooLarge("body_too_large", `body is over the limit of ${wireBytesMax} bytes`, wireBytesMax);
      }
      sink.push(value);
    }
    return sink.finish();
  } catch (error) {
    await reader.cancel().catch(() => undefined);
    throw error;
  }
}

interface Sink {
  push(chunk: Uint8Array): void;
  finish(): Uint8Array;
}

class PlainSink implements Sink {
  private readonly chunks: Uint8Array[] = [];
  private bytes = 0;

  push(chunk: Uint8Array): void {
    this.chunks.push(chunk);
    this.bytes += chunk.byteLength;
  }

  finish(): Uint8Array {
    return concat(this.chunks, this.bytes);
  }
}

class GunzipSink implements Sink {
  private readonly decodedBytesMax: number;
  private readonly expansionRatioMax: number;
  private readonly expansionFloorBytes: number;
  private readonly gunzip: Gunzip;
  private readonly output: Uint8Array[] = [];
  private readonly wire = new ByteLog();
  private decodedBytes = 0;
  // The member being inflated: its running CRC-32 and length, checked against its trailer.
  private memberCrc = 0;
  private memberBytes = 0;

  constructor(limits: BodyLimits) {
    this.decodedBytesMax = limits.decodedBytesMax ?? ingestDefaults.decodedBytesMax;
    this.expansionRatioMax = limits.expansionRatioMax ?? ingestDefaults.expansionRatioMax;
    this.expansionFloorBytes = limits.expansionFloorBytes ?? ingestDefaults.expansionFloorBytes;
    this.gunzip = new Gunzip((data) => this.onData(data));
    // fflate reports where each member after the first starts: the previous member's trailer
    // is the 8 bytes just before that offset.
    this.gunzip.onmember = (offset: number) => this.checkTrailer(offset);
  }

  push(chunk: Uint8Array): void {
    this.wire.append(chunk);
    for (let start = 0; start < chunk.byteLength; start += gunzipSliceBytes) {
      this.inflate(chunk.subarray(start, start + gunzipSliceBytes), false);
    }
  }

  finish(): Uint8Array {
    if (this.wire.bytes === 0) return new Uint8Array(0);
    if (this.wire.bytes < gzipMemberBytesMin) throw corrupt("the gzip stream is shorter than a gzip header and trailer");
    this.inflate(new Uint8Array(0), true);
    this.checkTrailer(this.wire.bytes);
    return concat(this.output, this.decodedBytes);
  }

  private inflate(slice: Uint8Array, final: boolean): void {
    try {
      this.gunzip.push(slice, final);
    } catch (error) {
      if (error instanceof EdgeflowError) throw error;
      throw corrupt(`the gzip stream is corrupt: ${(error as Error).message}`, error);
    }
  }

  private onData(data: Uint8Array): void {
    this.decodedBytes += data.byteLength;
    if (this.decodedBytes > this.decodedBytesMax) {
      throw tooLarge("decoded_too_large", `gunzipped body is over the limit of ${this.decodedBytesMax} bytes`, this.decodedBytesMax);
    }
    if (this.decodedBytes > this.expansionFloorBytes && this.decodedBytes > this.wire.bytes * this.expansionRatioMax) {
      throw tooLarge("expansion_too_large", `gzip body expands more than ${this.expansionRatioMax}× (a gzip bomb?)`, this.decodedBytesMax);
    }
    this.memberCrc = crc32(data, this.memberCrc);
    this.memberBytes += data.byteLength;
    if (data.byteLength > 0) this.output.push(data);
  }

  private checkTrailer(memberEnd: number): void {
    const trailer = this.wire.read(memberEnd - 8, 8);
    const view = new DataView(trailer.buffer, trailer.byteOffset, 8);
    const crc = view.getUint32(0, true);
    const size = view.getUint32(4, true);
    if (crc !== this.memberCrc >>> 0 || size !== this.memberBytes % 2 ** 32) {
      throw corrupt("the gzip trailer does not match the data (corrupt or truncated body)");
    }
    this.memberCrc = 0;
    this.memberBytes = 0;
  }
}

function corrupt(message: string, cause?: unknown): EdgeflowError {
  return new EdgeflowError("invalid", "corrupt_gzip", message, {}, { cause });
}

/** The compressed input, kept (it is bounded by the wire limit) so member trailers can be read back. */
class ByteLog {
  private readonly chunks: Uint8Array[] = [];
  private readonly starts: number[] = [];
  bytes = 0;

  append(chunk: Uint8Array): void {
    this.chunks.push(chunk);
    this.starts.push(this.bytes);
    this.bytes += chunk.byteLength;
  }

  read(offset: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    if (offset < 0) throw corrupt("the gzip stream ends before its trailer");
    let i = this.starts.length - 1;
    while (i > 0 && (this.starts[i] as number) > offset) i--;
    let written = 0;
    for (; written < length && i < this.chunks.length; i++) {
      const chunk = this.chunks[i] as Uint8Array;
      const from = Math.max(0, offset + written - (this.starts[i] as number));
      const part = chunk.subarray(from, from + length - written);
      out.set(part, written);
      written += part.byteLength;
    }
    if (written < length) throw corrupt("the gzip stream ends before its trailer");
    return out;
  }
}

function concat(chunks: Uint8Array[], bytes: number): Uint8Array {
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  const out = new Uint8Array(bytes);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}
