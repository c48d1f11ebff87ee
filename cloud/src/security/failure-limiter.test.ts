import { describe, expect, it } from 'vitest';
import { createBoundedWork, WorkQueueFullError } from './bounded-work.ts';
import { createFailureLimiter } from './failure-limiter.ts';

describe('failure limiter', () => {
  it('allows a burst, reports the first failure and the trip once, earns tries back', () => {
    let t = 0;
    const limiter = createFailureLimiter({ burst: 3, perSecond: 0.5, now: () => t });
    expect(limiter.fail('a')).toBe('first');
    expect(limiter.fail('a')).toBe('counted');
    expect(limiter.retryAfterMs('a')).toBe(0);
    expect(limiter.fail('a')).toBe('tripped');
    expect(limiter.retryAfterMs('a')).toBe(2_000);
    expect(limiter.retryAfterMs('b')).toBe(0);
    t += 2_000;
    expect(limiter.retryAfterMs('a')).toBe(0);
    limiter.forgive('a');
    expect(limiter.fail('a')).toBe('counted');
  });

  it('forgets the oldest keys beyond maxKeys', () => {
    const limiter = createFailureLimiter({ burst: 1, perSecond: 1, now: () => 0, maxKeys: 2 });
    for (const k of ['a', 'b', 'c']) limiter.fail(k);
    expect(limiter.retryAfterMs('a')).toBe(0);
    expect(limiter.retryAfterMs('c')).toBe(1_000);
  });
});

describe('bounded work', () => {
  it('runs at most `concurrency` at once and refuses beyond the queue', async () => {
    const work = createBoundedWork({ concurrency: 1, maxQueued: 1 });
    let running = 0;
    let peak = 0;
    const task = async () => {
      peak = Math.max(peak, ++running);
      await new Promise((r) => setTimeout(r, 5));
      running--;
    };
    const a = work.run(task);
    const b = work.run(task);
    await expect(work.run(task)).rejects.toBeInstanceOf(WorkQueueFullError);
    expect(work.pending()).toBe(2);
    await Promise.all([a, b]);
    expect(peak).toBe(1);
    expect(work.pending()).toBe(0);
  });
});
