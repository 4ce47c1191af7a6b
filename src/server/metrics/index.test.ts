import { afterEach, expect, test } from "bun:test";
import v8 from "node:v8";
import { Metrics, heapSpaceMetricNames } from "./index.ts";

const original = v8.getHeapSpaceStatistics;
afterEach(() => {
  v8.getHeapSpaceStatistics = original;
});

test("metrics: a scrape never asks V8 for heap space statistics (in Bun that walks the whole heap on the event loop)", async () => {
  const metrics = new Metrics();
  let calls = 0;
  v8.getHeapSpaceStatistics = () => {
    calls++;
    return original();
  };
  const text = await metrics.registry.metrics();
  expect(calls).toBe(0);
  for (const name of heapSpaceMetricNames) expect(text).not.toContain(name);
  // The process's memory is still reported.
  expect(text).toContain("edgeflow_process_nodejs_heap_size_used_bytes");
  expect(text).toContain("edgeflow_process_process_resident_memory_bytes");
});
