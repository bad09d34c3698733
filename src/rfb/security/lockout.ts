/**
 * Authentication lockout: an address that fails too often in a short time is refused for a while, so a
 * password cannot be guessed at network speed (VNC auth has 8-byte passwords and no salt). Default: 5
 * failures within 60 s block the address for 60 s; each further block of the same address doubles the
 * time (up to 1 h) until it authenticates successfully or stays quiet for an hour. The connection asks
 * check() before offering security types and reports every result. The clock is injectable for tests.
 */

export interface LockoutPolicy {
  maxFailures: number;
  windowMs: number;
  blockMs: number;
  maxBlockMs: number;
  /** a quiet address (no failure for this long) starts from scratch */
  forgetMs: number;
}

export const DEFAULT_LOCKOUT_POLICY: LockoutPolicy = Object.freeze({
  maxFailures: 5,
  windowMs: 60_000,
  blockMs: 60_000,
  maxBlockMs: 3_600_000,
  forgetMs: 3_600_000,
});

/** What a blocked client is told (RFB 3.8 failure reason). */
export const TOO_MANY_FAILURES_REASON = "Too many authentication failures, try again later";

export type LockoutStatus = { blocked: false } | { blocked: true; retryAfterMs: number };

interface AddressRecord {
  /** times of failures within the window */
  failures: number[];
  blockedUntil: number;
  /** how many times this address has been blocked (grows the block) */
  strikes: number;
  lastFailure: number;
}

/** Above this many tracked addresses, stale ones are pruned (bounds memory under a distributed attack). */
const PRUNE_ABOVE = 4096;

export class AuthLockout {
  readonly policy: LockoutPolicy;
  private readonly records = new Map<string, AddressRecord>();

  constructor(
    policy: Partial<LockoutPolicy> = {},
    private readonly now: () => number = Date.now,
  ) {
    this.policy = { ...DEFAULT_LOCKOUT_POLICY, ...policy };
    const p = this.policy;
    for (const [k, v] of Object.entries(p)) {
      if (!Number.isFinite(v) || v <= 0) throw new RangeError(`lockout ${k} must be a positive number, got ${v}`);
    }
    if (!Number.isInteger(p.maxFailures)) throw new RangeError(`lockout maxFailures must be an integer, got ${p.maxFailures}`);
  }

  check(address: string): LockoutStatus {
    const r = this.records.get(address);
    if (!r) return { blocked: false };
    const t = this.now();
    if (t < r.blockedUntil) return { blocked: true, retryAfterMs: r.blockedUntil - t };
    return { blocked: false };
  }

  recordSuccess(address: string): void {
    this.records.delete(address);
  }

  /** Count a failure; returns the status after it (blocked when this failure crossed the limit). */
  recordFailure(address: string): LockoutStatus {
    const t = this.now();
    let r = this.records.get(address);
    if (r && t - r.lastFailure >= this.policy.forgetMs && t >= r.blockedUntil) r = undefined;
    if (!r) {
      if (this.records.size >= PRUNE_ABOVE) this.prune(t);
      r = { failures: [], blockedUntil: 0, strikes: 0, lastFailure: t };
      this.records.set(address, r);
    }
    r.lastFailure = t;
    r.failures = r.failures.filter((f) => t - f < this.policy.windowMs);
    r.failures.push(t);
    if (r.failures.length >= this.policy.maxFailures) {
      r.strikes++;
      const ms = Math.min(this.policy.maxBlockMs, this.policy.blockMs * 2 ** (r.strikes - 1));
      r.blockedUntil = Math.max(r.blockedUntil, t + ms);
      r.failures = [];
    }
    return t < r.blockedUntil ? { blocked: true, retryAfterMs: r.blockedUntil - t } : { blocked: false };
  }

  /** addresses currently tracked (for tests and metrics) */
  get trackedAddresses(): number {
    return this.records.size;
  }

  private prune(t: number): void {
    for (const [a, r] of this.records) {
      if (t >= r.blockedUntil && t - r.lastFailure >= this.policy.windowMs) this.records.delete(a);
    }
  }
}
