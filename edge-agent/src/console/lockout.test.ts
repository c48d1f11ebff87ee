import { ManualClock } from '@lounge/shared';
import { describe, expect, it } from 'vitest';
import { PinLockout } from './lockout.ts';

const T0 = Date.UTC(2030, 0, 1); // any instant: only differences matter

describe('PinLockout', () => {
  it('locks a name for 5 minutes at the 5th wrong PIN in a row, then counts afresh', () => {
    const clock = new ManualClock(T0);
    const lock = new PinLockout({ clock });
    for (let i = 0; i < 4; i++) expect(lock.fail('ana')).toBeNull();
    expect(lock.lockedUntil('ana')).toBeNull();
    expect(lock.fail('ana')).toBe(T0 + 300_000);
    clock.advance(299_999);
    expect(lock.lockedUntil('ana')).toBe(T0 + 300_000);
    expect(lock.lockedUntil('luis')).toBeNull();
    clock.advance(1);
    expect(lock.lockedUntil('ana')).toBeNull();
    expect(lock.fail('ana')).toBeNull();
  });

  it('a right PIN clears the count', () => {
    const lock = new PinLockout({ clock: new ManualClock(T0) });
    for (let i = 0; i < 4; i++) lock.fail('ana');
    lock.succeed('ana');
    for (let i = 0; i < 4; i++) expect(lock.fail('ana')).toBeNull();
  });

  it('forgets the oldest names first when flooded with made-up ones', () => {
    const lock = new PinLockout({ clock: new ManualClock(T0), maxNames: 3, maxFailures: 2 });
    lock.fail('a');
    for (const n of ['b', 'c', 'd']) lock.fail(n);
    expect(lock.fail('a')).toBeNull(); // 'a' was evicted: its first failure again
    expect(lock.fail('d')).not.toBeNull();
  });
});
