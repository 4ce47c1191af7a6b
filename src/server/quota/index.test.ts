import { describe, expect, test } from "bun:test";
import { EdgeflowError } from "../../lib/index.ts";
import { Quotas } from "./index.ts";

function refused(fn: () => unknown): EdgeflowError | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof EdgeflowError) return error;
    throw error;
  }
  return undefined;
}

describe("quotas", () => {
  test("quota: a service over its rows/s gets overloaded with Retry-After; another service does not", () => {
    let now = 0;
    const q = new Quotas({ rowsPerSecond: 1000, requestsPerSecond: 100 }, () => now);
    q.admit("a", 600);
    const e = refused(() => q.admit("a", 600));
    expect(e?.kind).toBe("overloaded");
    expect(e?.code).toBe("rate_limited");
    expect(e?.detail.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(refused(() => q.admit("b", 600))).toBeUndefined();
    now += 1000;
    expect(refused(() => q.admit("a", 600))).toBeUndefined();
  });

  test("quota: requests/s is limited too, and a refused request takes nothing", () => {
    let now = 0;
    const q = new Quotas({ rowsPerSecond: 1_000_000, requestsPerSecond: 3 }, () => now);
    for (let i = 0; i < 3; i++) q.admit("a", 1);
    expect(refused(() => q.admit("a", 1))?.code).toBe("rate_limited");
    now += 334;
    expect(refused(() => q.admit("a", 1))).toBeUndefined();
  });

  test("quota: a request larger than a second's worth is refused", () => {
    const q = new Quotas({ rowsPerSecond: 10, requestsPerSecond: 10 }, () => 0);
    expect(refused(() => q.admit("a", 11))?.code).toBe("rate_limited");
  });

  test("quota: answers carry RateLimit headers", () => {
    const q = new Quotas({ rowsPerSecond: 100, requestsPerSecond: 10 }, () => 0);
    expect(q.admit("a", 40).headers["RateLimit-Remaining"]).toBe("60");
  });
});
