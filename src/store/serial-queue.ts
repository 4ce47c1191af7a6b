/**
 * Runs async jobs one at a time, in arrival order, with a bounded backlog.
 *
 * chDB executes one statement at a time per process. Without a queue, callers would wait inside
 * the native layer in an order nobody chose; with it, order is FIFO, the backlog is visible
 * (`depth`) and bounded (`depthMax`: a full queue fails fast with "overloaded" instead of
 * growing without limit).
 */
import { assert, EdgeflowError } from "../lib/index.ts";

export class SerialQueue {
  private tail: Promise<void> = Promise.resolve();
  private waitingOrRunning = 0;

  constructor(readonly depthMax: number) {
    assert(Number.isInteger(depthMax) && depthMax > 0, "queue depthMax must be a positive integer");
  }

  /** Jobs queued or running. */
  get depth(): number {
    return this.waitingOrRunning;
  }

  run<T>(job: () => Promise<T>): Promise<T> {
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
    const result = this.tail.then(job);
    // The chain continues whether the job succeeds or fails; the caller sees the outcome.
    this.tail = result.then(
      () => this.finish(),
      () => this.finish(),
    );
    return result;
  }

  /** Resolves once every job queued so far has settled. */
  async drain(): Promise<void> {
    while (this.waitingOrRunning > 0) await this.tail;
  }

  private finish(): void {
    this.waitingOrRunning -= 1;
    assert(this.waitingOrRunning >= 0, "queue depth went negative");
  }
}
