import { ManualClock } from '@lounge/shared';
import { describe, expect, it } from 'vitest';
import { PinLockout } from './lockout.ts';
import { hashPin, normaliseStaffName, PIN_RE, STAFF_NAME_RE, verifyPin } from './pin-hash.ts';
import { signIn } from './sign-in.ts';

describe('staff PINs', () => {
  it('stores a salted scrypt hash and checks against it', async () => {
    const hash = await hashPin('123456');
    expect(hash).toMatch(/^scrypt\$16384\$8\$1\$[\w-]+\$[\w-]{43}$/);
    expect(hash).not.toContain('123456');
    expect(await hashPin('123456')).not.toBe(hash);
    expect(await verifyPin('123456', hash)).toBe(true);
    expect(await verifyPin('123457', hash)).toBe(false);
    expect(await verifyPin('123456', 'plain$123456')).toBe(false);
  });

  it('accepts PINs of 6+ digits and plain staff names', () => {
    expect(['123456', '0000000000'].every((p) => PIN_RE.test(p))).toBe(true);
    expect(['12345', '12345a', ' 123456'].some((p) => PIN_RE.test(p))).toBe(false);
    expect(['ana', 'José Luis', 'm.garcia-2'].every((n) => STAFF_NAME_RE.test(n))).toBe(true);
    expect(['', ' ana', '<b>', 'a'.repeat(65)].some((n) => STAFF_NAME_RE.test(n))).toBe(false);
    expect(normaliseStaffName(' Jose\u0301 ')).toBe('José');
  });

  it('signs in, and locks after 5 wrong PINs whether or not the name exists', async () => {
    const hash = await hashPin('123456');
    const dir = { find: (n: string) => (n === 'ana' ? { pinHash: hash } : undefined) };
    const lock = new PinLockout({ clock: new ManualClock(0) });
    expect(await signIn(dir, lock, ' ana ', '123456')).toEqual({ ok: true, staff: 'ana' });
    for (let i = 0; i < 4; i++) {
      expect(await signIn(dir, lock, 'ana', '999999')).toEqual({ ok: false, reason: 'wrong' });
    }
    expect(await signIn(dir, lock, 'ana', '999999')).toMatchObject({ reason: 'locked' });
    expect(await signIn(dir, lock, 'ana', '123456')).toMatchObject({ reason: 'locked' });
    for (let i = 0; i < 4; i++) await signIn(dir, lock, 'nobody', '123456');
    expect(await signIn(dir, lock, 'nobody', '123456')).toMatchObject({ reason: 'locked' });
  });

  it('counts parallel tries one by one: the 6th of 8 at once is locked', async () => {
    const hash = await hashPin('123456');
    const lock = new PinLockout({ clock: new ManualClock(0) });
    const tries = Array.from({ length: 8 }, () =>
      signIn({ find: () => ({ pinHash: hash }) }, lock, 'ana', '000000'),
    );
    const reasons = (await Promise.all(tries)).map((r) => (r.ok ? 'ok' : r.reason));
    expect(reasons).toEqual([
      'wrong',
      'wrong',
      'wrong',
      'wrong',
      'locked',
      'locked',
      'locked',
      'locked',
    ]);
  });
});
