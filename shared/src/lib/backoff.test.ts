import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff.ts';

describe('backoffDelay', () => {
  it('grows by the factor up to the cap (full jitter at its top)', () => {
    const top = { baseMs: 100, maxMs: 1_000, random: () => 0.999999 };
    expect([0, 1, 2, 3, 4, 10].map((a) => backoffDelay(a, top))).toEqual([
      99, 199, 399, 799, 999, 999,
    ]);
    expect(backoffDelay(2, { ...top, factor: 3 })).toBe(899);
  });

  it('full jitter can reach 0, equal jitter keeps at least half', () => {
    const low = { baseMs: 100, maxMs: 1_000, random: () => 0 };
    expect(backoffDelay(3, { ...low, jitter: 'full' })).toBe(0);
    expect(backoffDelay(3, { ...low, jitter: 'equal' })).toBe(400);
  });

  it('stays within [0, maxMs] for any attempt and random value', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        fc.constantFrom('full' as const, 'equal' as const),
        (attempt, r, jitter) => {
          const d = backoffDelay(attempt, { baseMs: 50, maxMs: 30_000, jitter, random: () => r });
          return Number.isInteger(d) && d >= 0 && d <= 30_000;
        },
      ),
    );
  });

  it('refuses nonsense', () => {
    expect(() => backoffDelay(-1, { baseMs: 1, maxMs: 1 })).toThrow(RangeError);
    expect(() => backoffDelay(0, { baseMs: 1, maxMs: 1, factor: 0.5 })).toThrow(RangeError);
  });
});
