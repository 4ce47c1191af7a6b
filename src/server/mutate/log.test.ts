import { expect, test } from "bun:test";
import { decodeMutation, encodeMutation, type EdgeMutation } from "../../lib/index.ts";
import { tempDir } from "../../../test/support/tmp.ts";
import { IngestLog } from "./log.ts";

test("mutate: log: a write larger than one WAL append, and as large a quarantine, are kept whole and in order", async () => {
  // 64 KiB segments: one append holds a few hundred records, so 5,000 need many appends.
  const log = await IngestLog.open({ dataDir: tempDir(), repair: false, segmentBytesMax: 64 * 1024, diskBytesMax: 256 * 1024 * 1024, groupCommitWindowMs: 0 });
  try {
    const count = 5_000;
    const mutations: EdgeMutation[] = Array.from({ length: count }, (_, i) => ({
      kind: "edge", op: "insert", id: `id${i}`, ts: i + 1, service: "s", label: "l", from: i, to: "x".repeat(40), props: { n: i },
    }));
    const lastSeq = await log.write(mutations.map(encodeMutation), "durable");
    expect(lastSeq).toBe(count);
    const cursor = log.mutations.openCursor(1);
    const read = [];
    for (let batch = cursor.read({ recordCountMax: 1000 }); batch.length > 0; batch = cursor.read({ recordCountMax: 1000 })) read.push(...batch);
    cursor.close();
    expect(read.map((r) => decodeMutation(r.payload).id)).toEqual(mutations.map((m) => m.id));

    const refused = Array.from({ length: count }, (_, i) => ({
      rawText: `{"bad": ${i}} ${"y".repeat(40)}`, rawBytes: 52, rawTruncated: false, code: "invalid_json", message: "the line is not valid JSON", line: i + 1, index: i, receivedAtMs: 1, service: undefined,
    }));
    await log.writeQuarantine(refused);
    expect(log.quarantine.lastSeq).toBe(count);
  } finally {
    await log.close();
  }
});
