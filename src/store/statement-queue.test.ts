import { expect, test } from "bun:test";
import { EdgeflowError } from "../lib/index.ts";
import { waitFor } from "../../test/support/wait.ts";
import { StatementQueue } from "./statement-queue.ts";

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

test("store: statement queue: with one slot, jobs run one at a time in arrival order", async () => {
  const queue = new StatementQueue(10, ["s"]);
  const log: string[] = [];
  let running = 0;
  const job = (name: string) => async () => {
    running += 1;
    expect(running).toBe(1);
    log.push(`start ${name}`);
    await Bun.sleep(1);
    log.push(`end ${name}`);
    running -= 1;
    return name;
  };
  const results = await Promise.all([queue.run(job("a")), queue.run(job("b")), queue.run(job("c"))]);
  expect(results).toEqual(["a", "b", "c"]);
  expect(log).toEqual(["start a", "end a", "start b", "end b", "start c", "end c"]);
  expect(queue.depth).toBe(0);
});

test("store: statement queue: a failing job does not stop the ones behind it", async () => {
  const queue = new StatementQueue(10, ["s"]);
  const failed = queue.run(async () => {
    throw new Error("boom");
  });
  const next = queue.run(async () => "after");
  await expect(failed).rejects.toThrow("boom");
  expect(await next).toBe("after");
});

test("store: statement queue: depth counts queued and running jobs, and a full queue is overloaded", async () => {
  const queue = new StatementQueue(2, ["s"]);
  const gate = deferred();
  const first = queue.run(() => gate.promise);
  const second = queue.run(async () => "second");
  expect(queue.depth).toBe(2);
  const third = queue.run(async () => "third");
  const error = await third.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(EdgeflowError);
  expect((error as EdgeflowError).kind).toBe("overloaded");
  gate.resolve();
  await first;
  expect(await second).toBe("second");
  await queue.drain();
  expect(queue.depth).toBe(0);
});

test("store: statement queue: jobs start in arrival order on the first free slot, at most one a slot", async () => {
  const queue = new StatementQueue(10, ["x", "y"]);
  const gates = [deferred(), deferred(), deferred()];
  const running = new Set<string>();
  const started: string[] = [];
  const job = (i: number) => async (slot: string) => {
    expect(running.has(slot)).toBe(false);
    running.add(slot);
    started.push(`${i}@${slot}`);
    await (gates[i] as { promise: Promise<void> }).promise;
    running.delete(slot);
    return i;
  };
  const all = [queue.run(job(0)), queue.run(job(1)), queue.run(job(2))];
  await waitFor(() => started.length === 2, "two jobs started");
  expect(started).toEqual(["0@x", "1@y"]);
  gates[1]?.resolve();
  await all[1];
  await waitFor(() => started.length === 3, "the third job started");
  expect(started).toEqual(["0@x", "1@y", "2@y"]);
  gates[0]?.resolve();
  gates[2]?.resolve();
  expect(await Promise.all(all)).toEqual([0, 1, 2]);
  await queue.drain();
  expect(queue.depth).toBe(0);
});
