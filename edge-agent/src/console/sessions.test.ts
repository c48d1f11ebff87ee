import { ManualClock } from '@lounge/shared';
import { describe, expect, it } from 'vitest';
import { csrfMatches, SESSION_TTL_MS, SessionStore } from './sessions.ts';

describe('SessionStore', () => {
  it('keeps a session for 12 hours with its own CSRF token', () => {
    const clock = new ManualClock(Date.UTC(2030, 0, 1));
    const store = new SessionStore({ clock });
    const s = store.create('ana');
    expect(SESSION_TTL_MS).toBe(12 * 3_600_000);
    expect(s.id).toMatch(/^[\w-]{43}$/);
    expect(s.csrf).not.toBe(s.id);
    clock.advance(SESSION_TTL_MS - 1);
    expect(store.get(s.id)?.staff).toBe('ana');
    clock.advance(1);
    expect(store.get(s.id)).toBeUndefined();
    expect(store.get(undefined)).toBeUndefined();
  });

  it('signs out one session, or every session of a member', () => {
    const store = new SessionStore({ clock: new ManualClock(0) });
    const [a, b, c] = [store.create('ana'), store.create('ana'), store.create('luis')];
    store.destroy(a.id);
    expect(store.get(a.id)).toBeUndefined();
    store.destroyStaff('ana');
    expect(store.get(b.id)).toBeUndefined();
    expect(store.get(c.id)?.staff).toBe('luis');
  });

  it('checks the CSRF token exactly', () => {
    const s = new SessionStore({ clock: new ManualClock(0) }).create('ana');
    expect(csrfMatches(s, s.csrf)).toBe(true);
    expect(csrfMatches(s, s.csrf.slice(1))).toBe(false);
    expect(csrfMatches(s, undefined)).toBe(false);
  });
});
