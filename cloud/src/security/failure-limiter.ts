/** What a failure did to its key's budget. */
export type FailureOutcome = 'first' | 'counted' | 'tripped';

/** Failed authentications per key (client address, client id): a token bucket of failures. */
export interface FailureLimiter {
  /** 0 while `key` may still try, else the ms until its next attempt is allowed. */
  retryAfterMs(key: string): number;
  /**
   * Records a failure: `first` on a full budget (log it), `tripped` when this one used the
   * budget up (log that once), `counted` otherwise (log nothing: a burst is one or two lines).
   */
  fail(key: string): FailureOutcome;
  /** Gives one failure back: an attempt charged up front (before hashing) that succeeded. */
  forgive(key: string): void;
}

export interface FailureLimiterOptions {
  /** Failures allowed in a row before the key must wait. */
  burst: number;
  /** Failures a key earns back per second. */
  perSecond: number;
  now: () => number;
  /** Keys remembered at most (oldest forgotten first), so spraying keys costs no memory. */
  maxKeys?: number;
}

/**
 * Checked before any lookup or hashing, so a flood of wrong passwords or bogus keys costs a
 * map read each. A refused attempt is not counted again: the key earns its next try back at
 * `perSecond`, whatever the flood does meanwhile.
 */
export function createFailureLimiter(o: FailureLimiterOptions): FailureLimiter {
  const maxKeys = o.maxKeys ?? 10_000;
  const buckets = new Map<string, { tokens: number; at: number }>();
  const level = (key: string): number => {
    const b = buckets.get(key);
    if (!b) return o.burst;
    return Math.min(o.burst, b.tokens + ((o.now() - b.at) / 1000) * o.perSecond);
  };
  return {
    retryAfterMs(key) {
      const tokens = level(key);
      return tokens >= 1 ? 0 : Math.ceil(((1 - tokens) / o.perSecond) * 1000);
    },
    fail(key) {
      const before = level(key);
      buckets.delete(key); // re-insert: Map order is then least recently failed first
      buckets.set(key, { tokens: Math.max(0, before - 1), at: o.now() });
      if (buckets.size > maxKeys) buckets.delete(buckets.keys().next().value!);
      if (before - 1 < 1) return 'tripped';
      return before >= o.burst ? 'first' : 'counted';
    },
    forgive(key) {
      const b = buckets.get(key);
      if (b) buckets.set(key, { tokens: Math.min(o.burst, level(key) + 1), at: o.now() });
    },
  };
}
