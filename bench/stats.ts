/** Small figures shared by the benches, so each prints percentiles and counts the same way. */

/**
 * The value at percentile `p` (0-100) of an ascending list: the element at index
 * floor(p / 100 * length), clamped to the last one. It takes no interpolation, so the figure
 * printed is a latency that was measured. An empty list gives NaN, which prints as "NaN"
 * instead of passing for a real 0 ms.
 */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

/** A count or rate rounded to a whole number with thousands separators, e.g. 1,234,567. */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}
