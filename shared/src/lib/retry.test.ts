import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { retry } from './retry.ts';

/** A failure with a status and, optionally, the server-requested wait. */
class Failure extends Error {
  constructor(
    readonly status: number,
    readonly retryAfterMs?: number,
  ) {
    super(`status ${status}`);
  }
}

describe('retry', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  const base = { baseMs: 100, maxMs: 1_000, random: () => 0.5 };

  it('retries with growing backoff and returns the first success', async () => {
    const fn = vi.fn(async (attempt: number) => {
      if (attempt < 2) throw new Failure(503);
      return 'ok';
    });
    const onRetry = vi.fn();
    const p = retry(fn, { ...base, retries: 3, onRetry });
    await vi.advanceTimersByTimeAsync(49);
    expect(fn).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1); // 100 * 0.5
    expect(fn).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(100); // 200 * 0.5
    await expect(p).resolves.toBe('ok');
    expect(onRetry.mock.calls.map(([i]) => [i.attempt, i.delayMs])).toEqual([
      [0, 50],
      [1, 100],
    ]);
  });

  it('gives up after `retries` and rethrows the last error', async () => {
    const fn = vi.fn(async () => {
      throw new Failure(500);
    });
    const p = retry(fn, { ...base, retries: 2 });
    const outcome = expect(p).rejects.toMatchObject({ status: 500 });
    await vi.runAllTimersAsync();
    await outcome;
    expect(fn).toHaveBeenCalledTimes(3);
  });

  it('stops at once when shouldRetry says no', async () => {
    const fn = vi.fn(async () => {
      throw new Failure(400);
    });
    const shouldRetry = (e: unknown): boolean => (e as Failure).status >= 500;
    await expect(retry(fn, { ...base, retries: 5, shouldRetry })).rejects.toMatchObject({
      status: 400,
    });
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('waits exactly retryAfterMs when the error carries it', async () => {
    const sleep = vi.fn(async () => {});
    let calls = 0;
    const result = await retry(
      async () => {
        if (calls++ === 0) throw new Failure(429, 700);
        return calls;
      },
      { ...base, retries: 1, sleep },
    );
    expect(result).toBe(2);
    expect(sleep).toHaveBeenCalledWith(700, undefined);
  });

  it('rethrows at once when Retry-After is longer than maxMs, keeping it on the error', async () => {
    const fn = vi.fn(async () => {
      throw new Failure(503, 120_000);
    });
    await expect(retry(fn, { ...base, retries: 3 })).rejects.toMatchObject({
      retryAfterMs: 120_000,
    });
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('an abort during the wait ends the retries', async () => {
    const ac = new AbortController();
    const fn = vi.fn(async () => {
      throw new Failure(503);
    });
    const p = retry(fn, { ...base, retries: 10, signal: ac.signal });
    const outcome = expect(p).rejects.toMatchObject({ name: 'AbortError' });
    await vi.advanceTimersByTimeAsync(10);
    ac.abort();
    await outcome;
    expect(fn).toHaveBeenCalledTimes(1);
  });
});
