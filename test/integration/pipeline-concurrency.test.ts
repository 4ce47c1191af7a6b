/**
 * chDB's synchronous `query` would block the event loop for most of a second on a 100k-row
 * insert; the sink uses its async API, so ingest and reads keep answering while it writes.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Edgeflow } from "../../src/server/index.ts";
import { call, openTestEdgeflow } from "../support/app.ts";
import { waitFor } from "../support/wait.ts";

let ef: Edgeflow;
beforeAll(async () => {
  ef = await openTestEdgeflow({}, { sinkOptions: { flushIntervalMs: 10 } });
  await call(ef, "POST", "/graphs/createService", { body: { serviceName: "c" } });
  await call(ef, "POST", "/graphs/createLabel", {
    body: { label: "ev", srcServiceName: "c", srcColumnName: "u", srcColumnType: "long", tgtServiceName: "c", tgtColumnName: "i", tgtColumnType: "long", props: [{ name: "n", dataType: "long" }] },
  });
});
afterAll(async () => {
  await ef?.close();
});

describe("pipeline concurrency", () => {
  test("sink: ingest and health checks keep answering while the sink inserts a large backlog", async () => {
    const lines = (first: number, n: number) => Array.from({ length: n }, (_, k) => JSON.stringify({ timestamp: first + k, from: (first + k) % 1000, to: first + k, label: "ev", props: { n: k } })).join("\n");
    for (let b = 0; b < 2; b++) {
      const r = await call(ef, "POST", "/v1/mutate?wait=async", { rawBody: lines(b * 100_000, 100_000), headers: { "content-type": "application/x-ndjson" } });
      expect(r.status === 202 ? 202 : r.body).toBe(202);
    }
    await waitFor(() => ef.pipeline.sink.visibleSeq > 0 || undefined, "the sink has started writing", 60_000);
    let answeredDuringBacklog = 0;
    const backlogEnd = ef.ingestLog.mutations.lastSeq;
    while (ef.pipeline.sink.visibleSeq < backlogEnd) {
      const health = await call(ef, "GET", "/healthz", { token: null });
      const small = await call(ef, "POST", "/v1/mutate?wait=durable", { rawBody: lines(500_000 + answeredDuringBacklog, 1), headers: { "content-type": "application/x-ndjson" } });
      expect(health.status).toBe(200);
      expect(small.status === 200 ? 200 : small.body).toBe(200);
      if (ef.pipeline.sink.visibleSeq < backlogEnd) answeredDuringBacklog++;
    }
    // Many requests were answered while the backlog was still being written, not after it.
    expect(answeredDuringBacklog).toBeGreaterThan(5);
  }, 120_000);
});
