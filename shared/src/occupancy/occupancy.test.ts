import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LoungeEvent } from '../lounge-events/schema.ts';
import { insideOf, wouldOverfill } from './occupancy.ts';

const T = Date.UTC(2030, 0, 1, 10); // any instant: only differences matter
const iso = (ms: number) => new Date(ms).toISOString();
let n = 0;
const common = (atMs: number) => ({
  eventId: `evt_01J${String(++n).padStart(23, '0')}`,
  deviceId: 'dev_A',
  gate: 'g1',
  at: iso(atMs),
});
const grant = (admit: number, atMs = T): LoungeEvent => ({
  type: 'grant',
  ...common(atMs),
  invitationId: null,
  admit,
  reason: 'OVERRIDE',
  staff: 'ana',
});
const annul = (g: LoungeEvent, atMs = T + 60_000): LoungeEvent => ({
  type: 'annul',
  ...common(atMs),
  annuls: g.eventId,
});
const exit = (count: number, atMs = T): LoungeEvent => ({ type: 'exit', ...common(atMs), count });
const adjust = (delta: number, atMs = T): LoungeEvent => ({
  type: 'adjust',
  ...common(atMs),
  delta,
  staff: 'ana',
});

describe('insideOf', () => {
  it('adds grants, takes back annulled grants and exits, applies adjusts', () => {
    const g1 = grant(3);
    const g2 = grant(2);
    expect(insideOf([g1, g2], null)).toBe(5);
    expect(insideOf([g1, g2, annul(g1)], null)).toBe(2);
    expect(insideOf([g1, g2, exit(1), adjust(4)], null)).toBe(8);
  });

  it('never goes below zero', () => {
    expect(insideOf([grant(1), exit(5)], null)).toBe(0);
    expect(insideOf([adjust(-3)], null)).toBe(0);
  });

  it('counts only events after the last closing time', () => {
    const before = grant(4, T - 1);
    const atClosing = grant(1, T);
    const after = grant(2, T + 1);
    expect(insideOf([before, atClosing, after, exit(1, T - 5)], T)).toBe(2);
    // An annul after closing of a grant before it changes nothing.
    expect(insideOf([before, annul(before, T + 10), after], T)).toBe(2);
  });

  it('counts an eventId once and an annul once', () => {
    const g = grant(3);
    const a = annul(g);
    expect(insideOf([g, g, a, a, { ...a, eventId: 'evt_other' } as LoungeEvent], null)).toBe(0);
  });

  it('does not depend on the order the events arrived in', () => {
    const g = grant(3);
    const events = [g, grant(2), annul(g), exit(1), adjust(2), grant(1, T - 10_000)];
    fc.assert(
      fc.property(fc.shuffledSubarray(events, { minLength: events.length }), (order) => {
        expect(insideOf(order, T - 1)).toBe(insideOf(events, T - 1));
      }),
    );
  });
});

describe('wouldOverfill', () => {
  it('is true only above a set capacity', () => {
    expect(wouldOverfill({ inside: 8, capacity: 10 }, 2)).toBe(false);
    expect(wouldOverfill({ inside: 9, capacity: 10 }, 2)).toBe(true);
    expect(wouldOverfill({ inside: 900, capacity: null }, 2)).toBe(false);
  });
});
