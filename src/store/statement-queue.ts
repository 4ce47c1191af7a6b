/**
 * Runs async jobs on a fixed set of slots (chDB sessions), at most one job a slot, in arrival
 * order, with a bounded backlog.
 *
 * chDB runs statements of different sessions on the same data directory in parallel, one at a
 * time per session. Without a queue, callers would wait inside the native layer in an order
 * nobody chose; with it, jobs start in FIFO order on the first free slot, the backlog is visible
 * (`depth`) and bounded (`depthMax`: a full queue fails fast with "overloaded" instead of
 * growing without limit). One slot gives a serial queue.
 */
import { assert, EdgeflowError } from "../lib/index.ts";

export class StatementQueue<S> {
  private readonly free: S[];
  private readonly waiting: Array<(slot: S) => void> = [];
  private waitingOrRunning = 0;
  private readonly idle: Array<() => void> = [];

  constructor(
    readonly depthMax: number,
    slots: readonly S[],
  ) {
    assert(Number.isInteger(depthMax) && depthMax > 0, "queue depthMax must be a positive integer");
    assert(slots.length > 0, "a statement queue needs at least one slot");
    this.free = [...slots];
  }

  /** Jobs queued or running. */
  get depth(): number {
    return this.waitingOrRunning;
  }

  run<T>(job: (slot: S) => Promise<T>): Promise<T> {
    if (this.waitingOrRunning >= this.depthMax) {
      return Promise.reject(
        new EdgeflowError("overloaded", "store.queue_full", `chDB statement queue is full (${this.depthMax} waiting)`, {
          depth: this.waitingOrRunning,
          retryAfterSeconds: 1,
          retriable: true,
        }),
      );
    }
    this.waitingOrRunning += 1;
    return this.acquire().then(async (slot) => {
      try {
        return await job(slot);
      } finally {
        this.release(slot);
      }
    });
  }

  /** Resolves once every job queued so far has settled. */
  async drain(): Promise<void> {
    while (this.waitingOrRunning > 0) await new Promise<void>((resolve) => this.idle.push(resolve));
  }

  private acquire(): Promise<S> {
    const slot = this.free.shift();
    if (slot !== undefined) return Promise.resolve(slot);
    return new Promise<S>((resolve) => this.waiting.push(resolve));
  }

  private release(slot: S): void {
    this.waitingOrRunning -= 1;
    assert(this.waitingOrRunning >= 0, "queue depth went negative");
    const next = this.waiting.shift();
    if (next !== undefined) next(slot);
    else this.free.push(slot);
    if (this.waitingOrRunning === 0) for (const resolve of this.idle.splice(0)) resolve();
  }
}
