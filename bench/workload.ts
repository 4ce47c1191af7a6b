/**
 * The benchmarks' shared workload (BENCH.md): the `bench` service and its weak `view` label
 * (user → item, props `dur_ms`, `platform`, `ref`), how a server under test is set up, and how
 * it is loaded (closed and open loops of sync ingest).
 */
export const benchAdminToken = "bench-admin";

export const viewLabel = {
  label: "view",
  srcServiceName: "bench",
  srcColumnName: "user_id",
  srcColumnType: "long",
  tgtServiceName: "bench",
  tgtColumnName: "item_id",
  tgtColumnType: "string",
  props: [
    { name: "dur_ms", dataType: "long", defaultValue: 0 },
    { name: "platform", dataType: "string", defaultValue: "" },
    { name: "ref", dataType: "string", defaultValue: "" },
  ],
};

/** Creates the `bench` service and the `view` label on a running server. */
export async function setUpViewLabel(url: string): Promise<void> {
  const headers = { authorization: `Bearer ${benchAdminToken}`, "content-type": "application/json" };
  for (const [path, body] of [["/graphs/createService", { serviceName: "bench" }], ["/graphs/createLabel", viewLabel]] as const) {
    const r = await fetch(`${url}${path}`, { method: "POST", headers, body: JSON.stringify(body) });
    if (r.status !== 200) throw new Error(`${path} answered ${r.status}: ${await r.text()}`);
  }
}

/** One NDJSON batch through `POST /v1/mutate?wait=durable`; resolves with its ack latency (ms). */
async function sendBatch(url: string, body: string): Promise<number> {
  const started = performance.now();
  const r = await fetch(`${url}/v1/mutate?wait=durable`, { method: "POST", headers: { authorization: `Bearer ${benchAdminToken}`, "content-type": "application/x-ndjson" }, body });
  if (r.status !== 200) throw new Error(`ingest answered ${r.status}: ${await r.text()}`);
  await r.arrayBuffer();
  return performance.now() - started;
}

/** What a load run took, and its ack latencies (ms) sorted. */
export interface LoadRun {
  seconds: number;
  latencies: number[];
}

/** `clients` senders, each sending its next batch when the last one is acknowledged (closed loop). */
export async function closedLoop(url: string, batches: readonly string[], clients: number): Promise<LoadRun> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < batches.length) latencies.push(await sendBatch(url, batches[next++] as string));
    }),
  );
  return { seconds: (performance.now() - started) / 1000, latencies: latencies.sort((a, b) => a - b) };
}

/**
 * Each batch sent at its slot of a fixed rate, whatever the acks do (open loop), so latency is
 * measured at a known load: a slow ack does not delay the next send, so its wait is counted.
 */
export async function openLoop(url: string, batches: readonly string[], batchesPerSecond: number): Promise<LoadRun> {
  const latencies: number[] = [];
  const intervalMs = 1000 / batchesPerSecond;
  const started = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < batches.length; i++) {
    const wait = started + i * intervalMs - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    inFlight.push(sendBatch(url, batches[i] as string).then((ms) => void latencies.push(ms)));
  }
  await Promise.all(inFlight);
  return { seconds: (performance.now() - started) / 1000, latencies: latencies.sort((a, b) => a - b) };
}
