import { ManualTimers } from '@lounge/shared';
import { describe, expect, it } from 'vitest';
import { ScannerTestReads } from './test-reads.ts';

describe('ScannerTestReads', () => {
  it('hands the next read of that scanner to the waiting test, once', async () => {
    const reads = new ScannerTestReads();
    expect(reads.offer('gate1', 'before')).toBe(false);
    const taken = reads.take('gate1', 5_000);
    expect(reads.offer('gate2', 'other scanner')).toBe(false);
    expect(reads.offer('gate1', 'CODE')).toBe(true);
    expect(await taken).toBe('CODE');
    expect(reads.offer('gate1', 'after')).toBe(false);
  });

  it('gives up at the timeout or when the caller hangs up, and then takes nothing', async () => {
    const timers = new ManualTimers();
    const reads = new ScannerTestReads(timers);
    const timedOut = reads.take('gate1', 10_000);
    timers.advance(10_000);
    expect(await timedOut).toBeUndefined();
    expect(reads.offer('gate1', 'late')).toBe(false);
    const hangUp = new AbortController();
    const pending = reads.take('gate1', 5_000, hangUp.signal);
    hangUp.abort();
    expect(await pending).toBeUndefined();
    expect(reads.offer('gate1', 'later')).toBe(false);
    expect(timers.pending()).toBe(0);
  });

  it('refuses a second test on the same scanner while one waits', async () => {
    const reads = new ScannerTestReads();
    const first = reads.take('gate1', 5_000);
    expect(() => reads.take('gate1', 5_000)).toThrow(
      expect.objectContaining({ code: 'SCANNER_TEST_BUSY' }),
    );
    reads.offer('gate1', 'x');
    await first;
  });
});
