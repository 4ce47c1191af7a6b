/**
 * A JSON nesting-depth scan that runs before `JSON.parse`.
 *
 * `JSON.parse` accepts a million nested arrays, and any recursive walk over the result (ours,
 * valibot's, `JSON.stringify`) then overflows the stack. One linear pass over the text, with
 * no recursion and no allocation, tells whether a value nests deeper than the limit. Brackets
 * inside strings do not count; the text need not be valid JSON (the parse that follows decides
 * that), so unbalanced brackets simply give a wrong but harmless depth.
 */

/** True iff `text[start, end)` opens more than `depthMax` objects/arrays at once. */
export function depthExceeds(text: string, start: number, end: number, depthMax: number): boolean {
  // Nesting deeper than depthMax needs more than depthMax opening brackets. Counting them with
  // the native `indexOf` is several times faster than the character loop below, and a typical
  // row has two or three, so the loop runs only for suspicious text (bench/ingest-decode.ts).
  if (end - start <= depthMax || openingsAtMost(text, start, end, depthMax)) return false;
  let depth = 0;
  let inString = false;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > depthMax) return true;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    }
  }
  return false;
}

function openingsAtMost(text: string, start: number, end: number, max: number): boolean {
  let count = 0;
  for (let i = text.indexOf("{", start); i !== -1 && i < end; i = text.indexOf("{", i + 1)) {
    if (++count > max) return false;
  }
  for (let i = text.indexOf("[", start); i !== -1 && i < end; i = text.indexOf("[", i + 1)) {
    if (++count > max) return false;
  }
  return true;
}
