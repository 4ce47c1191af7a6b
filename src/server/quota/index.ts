/**
 * Per-service quotas: token buckets for rows a second and requests a second.
 *
 * One tenant's flood must not become another tenant's errors, so each service has its own
 * buckets; a request that would overdraw one is refused whole (never half-accepted) with 429,
 * `Retry-After`, and the `RateLimit-*` headers of the IETF draft. The admin token is not
 * limited. The clock is passed in so tests control time.
 */
import { EdgeflowError } from "../../lib/index.ts";

export interface QuotaLimits {
  rowsPerSecond: number;
  requestsPerSecond: number;
}

class Bucket {
  private tokens: number;
  private updatedMs: number;

  constructor(
    readonly ratePerSecond: number,
    readonly burst: number,
    nowMs: number,
  ) {
    this.tokens = burst;
    this.updatedMs = nowMs;
  }

  private refill(nowMs: number): void {
    const elapsedMs = Math.max(0, nowMs - this.updatedMs);
    this.tokens = Math.min(this.burst, this.tokens + (elapsedMs * this.ratePerSecond) / 1000);
    this.updatedMs = nowMs;
  }

  /** Seconds until `amount` tokens are there (0 when they are there now). */
  waitSeconds(amount: number, nowMs: number): number {
    this.refill(nowMs);
    if (this.tokens >= amount) return 0;
    // A request larger than the burst can never fit; it waits for a full bucket and is refused.
    const missing = Math.min(amount, this.burst) - this.tokens;
    return Math.max(missing / this.ratePerSecond, 0.001);
  }

  take(amount: number): void {
    this.tokens -= amount;
  }

  remaining(): number {
    return Math.max(0, Math.floor(this.tokens));
  }
}

export interface QuotaDecision {
  headers: Record<string, string>;
}

export class Quotas {
  private readonly buckets = new Map<string, { rows: Bucket; requests: Bucket }>();

  constructor(
    private readonly defaults: QuotaLimits,
    private readonly now: () => number = Date.now,
  ) {}

  private bucketsOf(service: string) {
    let b = this.buckets.get(service);
    if (!b) {
      const now = this.now();
      // A burst of one second's worth: smooth enough, and a full batch still fits.
      b = {
        rows: new Bucket(this.defaults.rowsPerSecond, this.defaults.rowsPerSecond, now),
        requests: new Bucket(this.defaults.requestsPerSecond, this.defaults.requestsPerSecond, now),
      };
      this.buckets.set(service, b);
    }
    return b;
  }

  /** Takes one request and `rowCount` rows from the service's buckets, or throws `overloaded`. */
  admit(service: string, rowCount: number): QuotaDecision {
    const b = this.bucketsOf(service);
    const now = this.now();
    const wait = Math.max(b.requests.waitSeconds(1, now), b.rows.waitSeconds(rowCount, now));
    const headers = (remaining: number) => ({
      "RateLimit-Limit": String(this.defaults.rowsPerSecond),
      "RateLimit-Remaining": String(remaining),
      "RateLimit-Reset": "1",
    });
    if (wait > 0 || rowCount > b.rows.burst) {
      throw new EdgeflowError("overloaded", "rate_limited", `service ${service} is over its quota of ${this.defaults.rowsPerSecond} rows/s and ${this.defaults.requestsPerSecond} requests/s`, {
        retryAfterSeconds: Math.ceil(wait),
        headers: headers(b.rows.remaining()),
      });
    }
    b.requests.take(1);
    b.rows.take(rowCount);
    return { headers: headers(b.rows.remaining()) };
  }
}
