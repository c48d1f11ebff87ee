import { describe, expect, it } from 'vitest';
import { createRateLimiter } from './rate-limit.ts';

describe('createRateLimiter', () => {
  it('allows a burst of twice the rate, then refills at the rate', () => {
    let now = 0;
    const limiter = createRateLimiter(5, () => now);
    for (let i = 0; i < 10; i++) expect(limiter.take('k')).toBe(0);
    const wait = limiter.take('k');
    expect(wait).toBe(200);
    now += 200;
    expect(limiter.take('k')).toBe(0);
    expect(limiter.take('k')).toBeGreaterThan(0);
    expect(limiter.take('other')).toBe(0);
  });

  it('is off at 0', () => {
    const limiter = createRateLimiter(0, () => 0);
    for (let i = 0; i < 1000; i++) expect(limiter.take('k')).toBe(0);
  });
});
