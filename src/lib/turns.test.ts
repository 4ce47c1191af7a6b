import { expect, test } from "bun:test";
import { mapInSlices, nextTurn } from "./turns.ts";

test("lib: turns: mapInSlices maps in order, and a request is answered while it runs", async () => {
  const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response("ok") });
  try {
    const items = Array.from({ length: 120 }, (_, i) => i);
    let done = 0;
    let answeredAt: number | undefined;
    const request = fetch(`http://127.0.0.1:${server.port}/`).then(async (r) => {
      await r.text();
      answeredAt = done;
    });
    const out = await mapInSlices(items, (i) => {
      const until = performance.now() + 1; // real work, ~120 ms in all
      while (performance.now() < until);
      done++;
      return i * 2;
    }, 3);
    expect(out).toEqual(items.map((i) => i * 2));
    // Answered between slices, long before the last one (in one slice it would come after).
    expect(answeredAt).toBeDefined();
    expect(answeredAt as number).toBeLessThan(items.length);
    await request;
  } finally {
    server.stop(true);
  }
});

test("lib: turns: nextTurn resolves after the callbacks already queued for the loop", async () => {
  const order: string[] = [];
  // Queued for the loop, not a microtask: a nextTurn that only awaited a promise would come first.
  setImmediate(() => order.push("queued"));
  await nextTurn();
  order.push("after");
  expect(order).toEqual(["queued", "after"]);
});
