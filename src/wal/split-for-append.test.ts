import { expect, test } from "bun:test";
import { frameBytes } from "./format.ts";
import { openWal } from "./index.ts";
import { tempDirsPerTest } from "./test-util.ts";

const dir = tempDirsPerTest();

test("wal: splitForAppend: groups keep the order and fit the record-count and byte limits of one append", async () => {
  const wal = await openWal({ dir: dir(), appendRecordCountMax: 3, appendBytesMax: 4 * frameBytes(100) });
  try {
    const records = Array.from({ length: 10 }, (_, i) => new Uint8Array(i === 4 ? 300 : 100).fill(i));
    const groups = wal.splitForAppend(records);
    expect(groups.flat()).toEqual(records);
    for (const group of groups) {
      expect(group.length).toBeLessThanOrEqual(3);
      expect(group.reduce((n, r) => n + frameBytes(r.byteLength), 0)).toBeLessThanOrEqual(4 * frameBytes(100));
    }
    // Each group is accepted as one append, and the records read back in order.
    for (const group of groups) await wal.append(group, { sync: true });
    const cursor = wal.openCursor(1);
    expect(cursor.read({ recordCountMax: 100 }).map((r) => r.payload[0])).toEqual(records.map((r) => r[0]));
    cursor.close();
  } finally {
    await wal.close();
  }
});
