/**
 * Long synchronous work on the event loop in slices: encoding a 50k-row sink batch in one go
 * held the loop for ~100-150 ms, which every ingest request waiting behind it paid in its ack
 * latency. Between slices the loop answers requests and fsyncs the WAL. Used where a sink batch
 * is read from the WAL, encoded for the store (store/graph/write.ts) and parsed from the
 * quarantine log.
 */

/** Resolves on the next turn of the event loop, after pending I/O callbacks. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Items a slice handles before it yields: ~1-3 ms of encoding or decoding. */
export const sliceItemsDefault = 2000;

/** `fn` of every item, in order, yielding to the event loop between slices. */
export async function mapInSlices<T, U>(items: readonly T[], fn: (item: T) => U, sliceItems = sliceItemsDefault): Promise<U[]> {
  const out: U[] = new Array(items.length);
  for (let start = 0; start < items.length; start += sliceItems) {
    if (start > 0) await nextTurn();
    const end = Math.min(items.length, start + sliceItems);
    for (let i = start; i < end; i++) out[i] = fn(items[i] as T);
  }
  return out;
}
