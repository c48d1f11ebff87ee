/** A per-key token bucket: `rate` tokens per second, `burst` capacity (SPEC.md 3: burst 2x). */
export interface RateLimiter {
  /** 0 when the request may pass, else the ms to wait before retrying. */
  take(key: string): number;
}

/** `rate` 0 turns limiting off (benchmarks). `now` is injected so tests use fake time. */
export function createRateLimiter(rate: number, now: () => number): RateLimiter {
  if (rate <= 0) return { take: () => 0 };
  const burst = rate * 2;
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    take(key) {
      const t = now();
      const bucket = buckets.get(key) ?? { tokens: burst, at: t };
      bucket.tokens = Math.min(burst, bucket.tokens + ((t - bucket.at) / 1000) * rate);
      bucket.at = t;
      buckets.set(key, bucket);
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return 0;
      }
      return Math.ceil(((1 - bucket.tokens) / rate) * 1000);
    },
  };
}
