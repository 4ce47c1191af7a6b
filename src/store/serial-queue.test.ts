import { expect, test } from "bun:test";
import { EdgeflowError } from "../lib/index.ts";
import { SerialQueue } from "./serial-queue.ts";

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

test("store: serial queue: jobs run one at a time in arrival order", async () => {
  const queue = new SerialQueue(10);
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

test("store: serial queue: a failing job does not stop the ones behind it", async () => {
  const queue = new SerialQueue(10);
  const failed = queue.run(async () => {
    throw new Error("boom");
  });
  const next = queue.run(async () => "after");
  await expect(failed).rejects.toThrow("boom");
  expect(await next).toBe("after");
});

test("store: serial queue: depth counts queued and running jobs, and a full queue is overloaded", async () => {
  const queue = new SerialQueue(2);
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
