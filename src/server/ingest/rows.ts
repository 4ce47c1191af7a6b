/**
 * The row collector every decoder writes into: rows in order, one verdict per element, and the
 * row-count limit.
 *
 * Each element (array element, or non-empty line) reserves one row when it starts; an element
 * that fans out (`froms × tos`, `ids`) reserves the rest before it expands, so an element that
 * would fan out past `rowsMax` is refused before any of its rows are built.
 */
import { EdgeflowError, assertMutation } from "../../lib/index.ts";
import type { IdentifiedMutation } from "./mutation-id.ts";
import type { DecodeResult, RowErrorCode, RowResult } from "./types.ts";

const encoder = new TextEncoder();

export class RowCollector {
  private readonly rows: RowResult[] = [];
  private readonly records: Uint8Array[] = [];
  private readonly services = new Set<string>();
  private readonly elementOk: boolean[] = [];
  private reserved = 0;
  private acceptedCount = 0;
  private index = -1;
  private line: number | undefined;
  private raw: string | (() => string) = "";

  constructor(private readonly rowsMax: number) {}

  private reserve(count: number): void {
    if (this.reserved + count > this.rowsMax) {
      throw new EdgeflowError("too_large", "too_many_rows", `a request may carry at most ${this.rowsMax} rows (after fan-out)`, { limitRows: this.rowsMax, line: this.line ?? this.index });
    }
    this.reserved += count;
  }

  /** Starts the next element. `raw` is its text, or a function that makes it (only called on rejection). */
  begin(line: number | undefined, raw: string | (() => string)): void {
    this.reserve(1);
    this.index++;
    this.line = line;
    this.raw = raw;
    this.elementOk.push(true);
  }

  /** The current element yields `count` rows in all (the first was reserved by `begin`). */
  fanout(count: number): void {
    if (count > 1) this.reserve(count - 1);
  }

  accept({ mutation, record }: IdentifiedMutation): void {
    assertMutation(mutation);
    this.acceptedCount++;
    this.rows.push({ ok: true, index: this.index, line: this.line, mutation, service: mutation.service });
    this.records.push(encoder.encode(record));
    this.services.add(mutation.service);
  }

  reject(code: RowErrorCode, message: string, service?: string): void {
    if (typeof this.raw === "function") this.raw = this.raw();
    this.elementOk[this.index] = false;
    this.rows.push({ ok: false, index: this.index, line: this.line, code, message, raw: this.raw, service });
    if (service !== undefined) this.services.add(service);
  }

  finish(): DecodeResult {
    return {
      rows: this.rows,
      records: this.records,
      services: [...this.services].sort(),
      elementOk: this.elementOk,
      acceptedCount: this.acceptedCount,
      rejectedCount: this.rows.length - this.acceptedCount,
    };
  }
}
