import { afterEach, describe, expect, test } from "bun:test";
import pino from "pino";
import { EdgeflowError, encodeMutation, type EdgeMutation } from "../../lib/index.ts";
import { openWal, type Wal } from "../../wal/index.ts";
import { tempDir } from "../../../test/support/tmp.ts";
import { waitFor } from "../../../test/support/wait.ts";
import type { QuarantineRecord } from "../ingest/index.ts";
import { AckTimes, Sink, type SinkDeps, type SinkRow, type SinkTarget } from "./index.ts";

const log = pino({ level: "silent" });

/** A target that keeps what it is given and fails on purpose when told to (fault injection). */
class RecordingTarget implements SinkTarget {
  batches: SinkRow[][] = [];
  tokens: string[] = [];
  quarantine: QuarantineRecord[] = [];
  outage = false;
  attempts = 0;
  async writeMutations(rows: readonly SinkRow[], token: string): Promise<void> {
    this.attempts++;
    if (this.outage) throw new EdgeflowError("unavailable", "connection_refused", "ClickHouse is down");
    const bad = rows.find((r) => r.mutation.kind === "edge" && r.mutation.op !== "deleteAll" && r.mutation.props.poison === true);
    if (bad) throw new EdgeflowError("invalid", "cannot_parse", "the server refused a value");
    this.batches.push([...rows]);
    this.tokens.push(token);
  }
  async writeQuarantine(rows: readonly QuarantineRecord[]): Promise<void> {
    this.quarantine.push(...rows);
  }
  seqs(): number[] {
    return this.batches.flat().map((r) => r.seq);
  }
}

function edge(i: number, props: Record<string, string | number | boolean> = {}): EdgeMutation {
  return { kind: "edge", op: "insert", id: `id${i}`, ts: i, service: "s", label: "l", from: 1, to: i, props };
}

async function wals(): Promise<{ mutations: Wal; quarantine: Wal; dir: string }> {
  const dir = tempDir();
  return { dir, mutations: await openWal({ dir: `${dir}/wal` }), quarantine: await openWal({ dir: `${dir}/q` }) };
}

/** Sinks a test started, stopped with their logs after it, also when an assertion failed. */
const opened: Array<{ sink: Sink; mutations: Wal; quarantine: Wal }> = [];
afterEach(async () => {
  for (const { sink, mutations, quarantine } of opened.splice(0)) {
    await sink.stop().catch(() => undefined);
    await mutations.close();
    await quarantine.close();
  }
});

/** A started sink into `target` over two fresh logs. */
async function openSink(target: SinkTarget, options: SinkDeps["options"]): Promise<{ sink: Sink; mutations: Wal; quarantine: Wal }> {
  const { mutations, quarantine } = await wals();
  const sink = new Sink({ mutations, quarantine, target, log, options });
  sink.start();
  opened.push({ sink, mutations, quarantine });
  return { sink, mutations, quarantine };
}

describe("sink", () => {
  test("sink: rows reach the target in order, in batches, and the checkpoint follows", async () => {
    const target = new RecordingTarget();
    const { sink, mutations } = await openSink(target, { flushIntervalMs: 30, checkpointDelayMs: 0, batchRowsMax: 40 });
    await mutations.append(Array.from({ length: 100 }, (_, i) => encodeMutation(edge(i + 1))), { sync: true });
    await waitFor(() => sink.visibleSeq === 100, "all rows visible");
    expect(target.seqs()).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(Math.max(...target.batches.map((b) => b.length))).toBeLessThanOrEqual(40);
    await waitFor(() => mutations.checkpointSeq === 100, "checkpoint at 100");
  });

  test("sink: two batches are written at once, and become visible only in WAL order", async () => {
    let release = (): void => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const calls: number[][] = [];
    let done = 0;
    const target: SinkTarget = {
      async writeMutations(rows) {
        const call = calls.push(rows.map((r) => r.seq));
        if (call === 1) await gate; // the first batch is slow; the second finishes first
        done++;
      },
      async writeQuarantine() {},
    };
    const { sink, mutations } = await openSink(target, { flushIntervalMs: 5, batchRowsMax: 5, checkpointDelayMs: 0, deliveriesMax: 2 });
    await mutations.append(Array.from({ length: 15 }, (_, i) => encodeMutation(edge(i + 1))), { sync: true });
    await waitFor(() => done === 1 && calls.length === 2, "the second batch written while the first is slow");
    // Two in flight at most (30 ms in which a third would start); the written second batch is
    // not visible before the first.
    expect(await sink.waitVisible(10, 30)).toBe(false);
    expect(calls).toEqual([[1, 2, 3, 4, 5], [6, 7, 8, 9, 10]]);
    expect(sink.visibleSeq).toBe(0);
    expect(mutations.checkpointSeq).toBe(0);
    const visible10 = sink.waitVisible(10, 10_000);
    release();
    expect(await visible10).toBe(true);
    await waitFor(() => sink.visibleSeq === 15 && mutations.checkpointSeq === 15, "all visible and checkpointed");
    expect(calls.flat()).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
  });

  test("sink: a crashed loop says so in its health and answers waiters at once", async () => {
    const target = new RecordingTarget();
    const { sink, quarantine } = await openSink(target, { flushIntervalMs: 5 });
    // Not a quarantine record: decoding it is a bug in whoever wrote it, and the loop stops.
    await quarantine.append([new TextEncoder().encode("not json")], { sync: true });
    await waitFor(() => sink.quarantineHealth().state === "stopped", "the quarantine sink stopped");
    expect(sink.quarantineHealth().reason).toMatch(/^sink crashed: /);
    expect(sink.health().state).toBe("ok");
  });

  test("sink: a waiter gets its rows flushed early", async () => {
    const target = new RecordingTarget();
    const { sink, mutations } = await openSink(target, { flushIntervalMs: 60_000, waiterFlushMs: 5 });
    const { lastSeq } = await mutations.append([encodeMutation(edge(1))], { sync: true });
    const started = Date.now();
    expect(await sink.waitVisible(lastSeq, 10_000)).toBe(true);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  test("sink: an outage is retried with backoff until the target is back; health says why meanwhile", async () => {
    const target = new RecordingTarget();
    target.outage = true;
    const { sink, mutations } = await openSink(target, { flushIntervalMs: 5, retryBaseMs: 5, retryMaxMs: 20, checkpointDelayMs: 0 });
    await mutations.append([encodeMutation(edge(1)), encodeMutation(edge(2))], { sync: true });
    await waitFor(() => target.attempts >= 3, "three attempts");
    expect(sink.health()).toMatchObject({ state: "retrying", backlogRows: 2 });
    expect(sink.health().reason).toContain("connection_refused");
    expect(mutations.checkpointSeq).toBe(0);
    target.outage = false;
    await waitFor(() => sink.visibleSeq === 2, "drained after the outage");
    expect(sink.health().state).toBe("ok");
    expect(target.seqs()).toEqual([1, 2]);
  });

  test("sink: a permanently refused row is isolated by splitting and quarantined; the rest is written", async () => {
    const target = new RecordingTarget();
    const { sink, mutations, quarantine } = await openSink(target, { flushIntervalMs: 5, checkpointDelayMs: 0 });
    const rows = Array.from({ length: 16 }, (_, i) => edge(i + 1, i === 9 ? { poison: true } : {}));
    await mutations.append(rows.map(encodeMutation), { sync: true });
    await waitFor(() => sink.visibleSeq === 16, "all processed");
    expect(target.seqs().sort((a, b) => a - b)).toEqual(Array.from({ length: 16 }, (_, i) => i + 1).filter((s) => s !== 10));
    await waitFor(() => target.quarantine.length === 1, "the refused row in the quarantine table");
    expect(target.quarantine[0]?.code).toBe("store_cannot_parse");
    expect(target.quarantine[0]?.rawText).toContain('"poison":true');
  });

  test("sink: after a restart, rows past the checkpoint are delivered again with the same token", async () => {
    const { mutations, quarantine, dir } = await wals();
    const first = new RecordingTarget();
    // A long checkpoint delay: acknowledged rows stay in the log, as after a crash.
    const sink = new Sink({ mutations, quarantine, target: first, log, options: { flushIntervalMs: 5, checkpointDelayMs: 60_000 } });
    sink.start();
    await mutations.append([1, 2, 3].map((i) => encodeMutation(edge(i))), { sync: true });
    await waitFor(() => sink.visibleSeq === 3, "visible");
    const token = first.tokens[0];
    await mutations.close(); // no clean sink stop: the checkpoint never moved
    await quarantine.close();
    const reopened = await openWal({ dir: `${dir}/wal` });
    const q2 = await openWal({ dir: `${dir}/q` });
    expect(reopened.checkpointSeq).toBe(0);
    const second = new RecordingTarget();
    const again = new Sink({ mutations: reopened, quarantine: q2, target: second, log, options: { flushIntervalMs: 5 } });
    again.start();
    await waitFor(() => again.visibleSeq === 3, "replayed");
    expect(second.seqs()).toEqual([1, 2, 3]);
    expect(second.tokens[0]).toBe(token);
    await again.stop();
    expect(reopened.checkpointSeq).toBe(3);
    await reopened.close();
    await q2.close();
    await sink.stop().catch(() => undefined);
  });

  test("sink: quarantined rows from ingest reach the quarantine table", async () => {
    const target = new RecordingTarget();
    const { sink, quarantine } = await openSink(target, { flushIntervalMs: 5 });
    const record: QuarantineRecord = { rawText: "{bad", rawBytes: 4, rawTruncated: false, code: "invalid_json", message: "no", line: 3, index: 2, receivedAtMs: 1, service: undefined };
    await quarantine.append([new TextEncoder().encode(JSON.stringify(record))], { sync: true });
    await waitFor(() => target.quarantine.length === 1, "quarantine delivered");
    expect(target.quarantine[0]).toMatchObject({ code: "invalid_json", line: 3 });
  });

  test("sink: ack times are taken in order, bounded, across many entries", () => {
    const acks = new AckTimes();
    for (let i = 1; i <= AckTimes.entriesMax + 10; i++) acks.add(i, i * 10);
    // The ten oldest were dropped at the bound.
    expect(acks.takeUpTo(10)).toEqual([]);
    expect(acks.takeUpTo(12)).toEqual([110, 120]);
    expect(acks.takeUpTo(50_000).length).toBe(50_000 - 12);
    acks.add(AckTimes.entriesMax + 11, 7);
    expect(acks.takeUpTo(Infinity).length).toBe(AckTimes.entriesMax + 11 - 50_000);
    expect(acks.takeUpTo(Infinity)).toEqual([]);
  });
});
