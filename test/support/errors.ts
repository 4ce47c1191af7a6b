/** Helpers for tests that check which error a failed call gave. */
import { EdgeflowError } from "../../src/lib/index.ts";

/**
 * Returns the error `promise` rejected with. It throws if the promise resolved or rejected with
 * something other than an EdgeflowError, so a test asserting on `kind` cannot pass by accident.
 */
export async function failureOf(promise: Promise<unknown>): Promise<EdgeflowError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof EdgeflowError)) throw new Error(`expected an EdgeflowError, got ${String(error)}`);
  return error;
}
