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

/**
 * Items a slice handles before it yields: ~0.5-1.5 ms of encoding or decoding. With 2000 a
 * slice, sync ingest at half load beside the sink writing into chDB was acknowledged at p90
 * 37-40 ms and p99 73-86 ms; with 500, at p90 18-23 ms and p99 51-73 ms (the half-load phase
 * of bench/ingest-http.ts, 75k rows/s). The sink's WAL reads (a CRC32C check and a copy a
 * record) take the same slice: at 2000 records a read, ingest beside the sink fell from
 * 238-249k to 150-202k rows/s (bench/ingest-http.ts).
 */
export const sliceItemsDefault = 500;

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
