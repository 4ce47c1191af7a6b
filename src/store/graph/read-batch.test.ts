import { expect, test } from "bun:test";
import { EdgeflowError, type PropValue } from "../../lib/index.ts";
import { ReadBatcher, type BatchRead } from "./read-batch.ts";
import { testLabel } from "./test-fixtures.ts";
import type { EdgesQuery, EdgesWithDegrees } from "./types.ts";

const label = testLabel("rb", 1);
const query = (...vertexIds: PropValue[]): EdgesQuery => ({ label, direction: "out", vertexIds, limit: 10 });

/** A read the test answers by hand: each call waits until `answer` or `fail` settles it. */
function heldReads() {
  const calls: Array<{ query: EdgesQuery; resolve: (a: EdgesWithDegrees) => void; reject: (e: unknown) => void }> = [];
  let running = 0;
  let runningMax = 0;
  const read: BatchRead = (q) =>
    new Promise<EdgesWithDegrees>((resolve, reject) => {
      running += 1;
      runningMax = Math.max(runningMax, running);
      const done = () => void (running -= 1);
      calls.push({ query: q, resolve: (a) => (done(), resolve(a)), reject: (e) => (done(), reject(e)) });
    });
  return { calls, read, runningMax: () => runningMax };
}

/** Two edges and a degree per vertex asked, edges ordered by vertex as the batch asked them. */
function answerFor(q: EdgesQuery): EdgesWithDegrees {
  return {
    edges: q.vertexIds.flatMap((v) => [1, 2].map((n) => ({ label: "rb", direction: "out" as const, from: v, to: `${String(v)}-${n}`, ts: n, props: {} }))),
    degrees: q.vertexIds.map((v) => ({ vertexId: v, degree: Number(v) * 10 })),
  };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

test("graph: read batch: waiting reads share one read; each gets its own vertices' edges in the batch's order and its degrees", async () => {
  const reads = heldReads();
  const batcher = new ReadBatcher({ inFlightMax: 1, vertexIdsMax: 100, waitingMax: 100 });
  const busy = batcher.run("e", query(9), reads.read);
  const a = batcher.run("e", query(2, 1), reads.read);
  const b = batcher.run("e", query(1, 3), reads.read);
  reads.calls[0]?.resolve(answerFor(reads.calls[0].query));
  await busy;
  await turn();
  expect(reads.calls.length).toBe(2);
  const shared = reads.calls[1]!;
  expect(shared.query.vertexIds).toEqual([2, 1, 3]);
  shared.resolve(answerFor(shared.query));
  expect((await a).edges.map((e) => e.to)).toEqual(["2-1", "2-2", "1-1", "1-2"]);
  expect((await a).degrees).toEqual([{ vertexId: 2, degree: 20 }, { vertexId: 1, degree: 10 }]);
  expect((await b).edges.map((e) => e.to)).toEqual(["1-1", "1-2", "3-1", "3-2"]);
  expect((await b).degrees).toEqual([{ vertexId: 1, degree: 10 }, { vertexId: 3, degree: 30 }]);
});

test("graph: read batch: a batch failing for a passing reason fails every member with it and reads nothing more", async () => {
  const reads = heldReads();
  const batcher = new ReadBatcher({ inFlightMax: 1, vertexIdsMax: 100, waitingMax: 100 });
  const busy = batcher.run("e", query(9), reads.read);
  const members = [query(1), query(2), query(3)].map((q) => batcher.run("e", q, reads.read).then(() => "answered", (e: unknown) => (e as EdgeflowError).code));
  reads.calls[0]?.resolve(answerFor(reads.calls[0].query));
  await busy;
  await turn();
  reads.calls[1]?.reject(new EdgeflowError("unavailable", "store.down", "the store is down"));
  expect(await Promise.all(members)).toEqual(["store.down", "store.down", "store.down"]);
  expect(reads.calls.length).toBe(2);
});

test("graph: read batch: any other failure reads the members again one at a time, and only the bad one fails", async () => {
  const reads = heldReads();
  const batcher = new ReadBatcher({ inFlightMax: 1, vertexIdsMax: 100, waitingMax: 100 });
  const busy = batcher.run("e", query(9), reads.read);
  const members = [query(1), query(2), query(3)].map((q) => batcher.run("e", q, reads.read).then(() => "answered", (e: unknown) => (e as EdgeflowError).code));
  reads.calls[0]?.resolve(answerFor(reads.calls[0].query));
  await busy;
  await turn();
  reads.calls[1]?.reject(new EdgeflowError("invalid", "store.too_long", "the statement is too long"));
  for (let i = 2; i < 5; i++) {
    await turn();
    expect(reads.calls.length).toBe(i + 1); // the next read starts only when the one before it ended
    const call = reads.calls[i]!;
    if (call.query.vertexIds[0] === 2) call.reject(new EdgeflowError("invalid", "store.too_long", "the statement is too long"));
    else call.resolve(answerFor(call.query));
  }
  expect(await Promise.all(members)).toEqual(["answered", "store.too_long", "answered"]);
  expect(reads.runningMax()).toBe(1);
});

test("graph: read batch: a read that would take a batch past vertexIdsMax starts the next batch", async () => {
  const reads = heldReads();
  const batcher = new ReadBatcher({ inFlightMax: 1, vertexIdsMax: 3, waitingMax: 100 });
  const busy = batcher.run("e", query(9), reads.read);
  const waiting = [query(1, 2), query(2, 3), query(4, 5)].map((q) => batcher.run("e", q, reads.read));
  for (let i = 0; i < 3; i++) {
    await turn();
    const call = reads.calls[i]!;
    call.resolve(answerFor(call.query));
  }
  await Promise.all([busy, ...waiting]);
  expect(reads.calls.map((c) => c.query.vertexIds)).toEqual([[9], [1, 2, 3], [4, 5]]);
});

test("graph: read batch: past waitingMax a read fails at once as overloaded", async () => {
  const reads = heldReads();
  const batcher = new ReadBatcher({ inFlightMax: 1, vertexIdsMax: 100, waitingMax: 2 });
  const busy = batcher.run("e", query(9), reads.read);
  const waiting = [batcher.run("e", query(1), reads.read), batcher.run("e", query(2), reads.read)];
  const refused = await batcher.run("e", query(3), reads.read).then(() => undefined, (e: unknown) => e as EdgeflowError);
  expect(refused?.kind).toBe("overloaded");
  expect(refused?.code).toBe("store.reads_waiting_full");
  reads.calls[0]?.resolve(answerFor(reads.calls[0].query));
  await turn();
  reads.calls[1]?.resolve(answerFor(reads.calls[1].query));
  await Promise.all([busy, ...waiting]);
});
