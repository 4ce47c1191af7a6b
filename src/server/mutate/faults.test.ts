import { describe, expect, test } from "bun:test";
import { FaultFileLayer } from "../../wal/index.ts";
import { call, openTestEdgeflow } from "../../../test/support/app.ts";

const label = {
  label: "ev",
  srcServiceName: "f",
  srcColumnName: "u",
  srcColumnType: "long",
  tgtServiceName: "f",
  tgtColumnName: "i",
  tgtColumnType: "long",
};
const rows = (n: number, from = 0) => Array.from({ length: n }, (_, i) => ({ timestamp: from + i, from: i, to: i, label: "ev" }));

describe("mutation endpoints under disk faults", () => {
  test("faults: a failed fsync answers 503, acknowledges nothing after it, and /readyz says why", async () => {
    const fs = new FaultFileLayer();
    // The sink's next checkpoint fails on the failed log and stops it; until then it must wait
    // without holding the event loop (it once spun through microtasks until that checkpoint).
    const ef = await openTestEdgeflow({}, { walFileLayer: fs, sinkOptions: { checkpointDelayMs: 3_000 } });
    await call(ef, "POST", "/graphs/createService", { body: { serviceName: "f" } });
    await call(ef, "POST", "/graphs/createLabel", { body: label });
    expect((await call(ef, "POST", "/graphs/edges/insertWithWait", { body: rows(3) })).status).toBe(200);
    fs.failOn("fdatasync", { code: "EIO" });
    const failed = await call(ef, "POST", "/v1/mutate?wait=durable", { rawBody: rows(5, 10).map((r) => JSON.stringify(r)).join("\n") });
    expect(failed.status).toBe(503);
    expect(failed.body.code).toBe("wal_failed");
    // The disk is fine again, but the log stays failed until a restart: no ack after a failed fsync.
    fs.clearFaults();
    // A short timer fires long before that checkpoint: the sink has not stopped yet.
    expect(await new Promise((resolve) => setTimeout(() => resolve(ef.pipeline.health().state), 5))).not.toBe("stopped");
    const after = await call(ef, "POST", "/v1/mutate?wait=async", { rawBody: JSON.stringify(rows(1, 20)[0]) });
    expect(after.status).toBe(503);
    const ready = await call(ef, "GET", "/readyz", { token: null });
    expect(ready.status).toBe(503);
    expect(ready.body.checks.wal.ready).toBe(false);
    await ef.close();
  });

  test("faults: past the WAL's disk budget writes get 503 with Retry-After, and nothing crashes", async () => {
    const fs = new FaultFileLayer();
    const ef = await openTestEdgeflow({ walDiskBytesMax: 64 * 1024, walSegmentBytes: 32 * 1024 }, { walFileLayer: fs });
    await call(ef, "POST", "/graphs/createService", { body: { serviceName: "f" } });
    await call(ef, "POST", "/graphs/createLabel", { body: label });
    let status = 200;
    let retryAfter: string | null = null;
    let code = "";
    for (let i = 0; i < 200 && status === 200; i++) {
      const r = await call(ef, "POST", "/v1/mutate?wait=durable", { rawBody: rows(50, i * 50).map((x) => JSON.stringify(x)).join("\n") });
      status = r.status;
      retryAfter = r.headers.get("retry-after");
      code = r.body.code;
    }
    expect(status).toBe(503);
    expect(code).toBe("wal_disk_full");
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect((await call(ef, "GET", "/healthz", { token: null })).status).toBe(200);
    await ef.close();
  });

  test("faults: a real ENOSPC from the disk answers 503 with Retry-After", async () => {
    const fs = new FaultFileLayer({ capacityBytes: 48 * 1024 });
    const ef = await openTestEdgeflow({ walSegmentBytes: 1024 * 1024 }, { walFileLayer: fs });
    await call(ef, "POST", "/graphs/createService", { body: { serviceName: "f" } });
    await call(ef, "POST", "/graphs/createLabel", { body: label });
    let last = { status: 200, body: {} as { code?: string }, headers: new Headers() };
    for (let i = 0; i < 200 && last.status === 200; i++) {
      last = await call(ef, "POST", "/v1/mutate?wait=durable", { rawBody: rows(50, i * 50).map((x) => JSON.stringify(x)).join("\n") });
    }
    expect(last.status).toBe(503);
    expect(last.body.code).toBe("wal_disk_full");
    expect(last.headers.get("retry-after")).not.toBeNull();
    await ef.close();
  });
});
