/**
 * Bytes to text, and text to lines, for the line formats (NDJSON, TSV).
 *
 * A body is decoded to one string at once (fatal UTF-8), and lines are then found with
 * `indexOf("\n")` and sliced, which in JavaScriptCore makes a substring that shares the
 * parent's characters rather than copying them. Only when the body is not valid UTF-8 does
 * decoding fall back to one line at a time, so a bad line is refused alone with its number.
 */
import { EdgeflowError } from "../../lib/index.ts";

const fatalDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
const lenientDecoder = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });

/** Decodes a whole body; a body that is not UTF-8 is `invalid` (`invalid_utf8`). */
export function bodyText(body: Uint8Array | string): string {
  if (typeof body === "string") return body.charCodeAt(0) === 0xfeff ? body.slice(1) : body;
  try {
    return fatalDecoder.decode(body);
  } catch (error) {
    throw new EdgeflowError("invalid", "invalid_utf8", "the body is not valid UTF-8", {}, { cause: error });
  }
}

export interface LineVisitor {
  /** A non-empty line (without its `\n` or trailing `\r`), with its number from 1. */
  line(text: string, lineNumber: number): void;
  /** A line that is not valid UTF-8, shown with replacement characters. */
  badLine(lenientText: string, lineNumber: number): void;
}

/** Calls the visitor for every non-empty line of the body, in order. Empty lines are skipped. */
export function forEachLine(body: Uint8Array | string, visitor: LineVisitor): void {
  let text: string;
  try {
    text = bodyText(body);
  } catch (error) {
    if (typeof body === "string") throw error;
    forEachByteLine(body, visitor);
    return;
  }
  let lineNumber = 0;
  let start = 0;
  const length = text.length;
  while (start < length) {
    let end = text.indexOf("\n", start);
    if (end === -1) end = length;
    lineNumber++;
    const stop = end > start && text.charCodeAt(end - 1) === 0x0d ? end - 1 : end;
    if (stop > start) visitor.line(text.slice(start, stop), lineNumber);
    start = end + 1;
  }
}

/** The slow path for a body with invalid UTF-8: split on 0x0A, decode each line on its own. */
function forEachByteLine(body: Uint8Array, visitor: LineVisitor): void {
  let lineNumber = 0;
  let start = body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf ? 3 : 0;
  while (start < body.length) {
    let end = body.indexOf(0x0a, start);
    if (end === -1) end = body.length;
    lineNumber++;
    const stop = end > start && body[end - 1] === 0x0d ? end - 1 : end;
    if (stop > start) {
      const bytes = body.subarray(start, stop);
      let text: string | undefined;
      try {
        text = fatalDecoder.decode(bytes);
      } catch {
        visitor.badLine(lenientDecoder.decode(bytes), lineNumber);
      }
      if (text !== undefined) visitor.line(text, lineNumber);
    }
    start = end + 1;
  }
}
