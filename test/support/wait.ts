/**
 * Waiting on a condition with a deadline, for tests and benches. It imports nothing from
 * bun:test, so a bench can use it without pulling in the test runner.
 */

/** Races `promise` against a deadline; `onDeadline` builds the error (and may clean up). */
export function withDeadline<T>(promise: Promise<T>, timeoutMs: number, onDeadline: () => Error): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onDeadline()), timeoutMs);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/**
 * Calls `check` every `intervalMs` until it returns something other than `undefined` or
 * `false`, and returns that value. It throws once `timeoutMs` has passed, so a condition that
 * never holds fails the caller with `what` in the message instead of hanging it.
 */
export async function waitFor<T>(check: () => T | undefined | false | Promise<T | undefined | false>, what: string, timeoutMs = 10_000, intervalMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
