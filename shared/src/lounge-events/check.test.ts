import { describe, expect, it } from 'vitest';
import {
  checkLoungeEvent,
  checkLoungeEvents,
  type EventContext,
  type KnownGrant,
} from './check.ts';

const LOUNGE = 'MAD-T4S-VELAZQUEZ';
const ME = 'dev_01J0000000000000000000000A';
const PEER = 'dev_01J0000000000000000000000B';
const INV = 'inv_01J00000000000000000000001';
const FOREIGN_INV = 'inv_01J00000000000000000000002';
const T = Date.UTC(2030, 0, 1, 10); // any instant: only differences matter
const iso = (ms: number) => new Date(ms).toISOString();
const evt = (n: number) => `evt_01J${String(n).padStart(23, '0')}`;

const grant = (over: Record<string, unknown> = {}) => ({
  type: 'grant',
  eventId: evt(1),
  deviceId: ME,
  gate: 'g1',
  at: iso(T),
  invitationId: INV,
  admit: 2,
  reason: 'OK',
  ...over,
});
const annul = (over: Record<string, unknown> = {}) => ({
  type: 'annul',
  eventId: evt(2),
  deviceId: ME,
  gate: 'g1',
  at: iso(T + 60_000),
  annuls: evt(1),
  ...over,
});

/** The cloud's view over HTTP: the caller is ME. */
function ctx(grants: Record<string, KnownGrant> = {}, stored: string[] = []): EventContext {
  return {
    loungeId: LOUNGE,
    mayAuthor: (d) => d === ME,
    invitationLounge: (i) => (i === INV ? LOUNGE : i === FOREIGN_INV ? 'BCN-T1-MIRO' : null),
    grant: (e) => grants[e] ?? null,
    isStored: (e) => stored.includes(e),
  };
}
const codeOf = (raw: unknown, c = ctx()) => {
  const r = checkLoungeEvent(raw, c);
  return r.verdict === 'refuse' ? r.code : r.verdict;
};

describe('checkLoungeEvent', () => {
  it('accepts a grant of its own lounge and a code-less staff override', () => {
    expect(codeOf(grant())).toBe('accept');
    expect(codeOf(grant({ invitationId: null, reason: 'OVERRIDE', staff: 'ana' }))).toBe('accept');
  });

  it('refuses a grant whose admit is not an integer >= 1', () => {
    for (const admit of [-1, 0, 1.5, '2', null])
      expect(codeOf(grant({ admit }))).toBe('INVALID_EVENT');
  });

  it('refuses unknown types, unknown fields, and code-less grants that are not overrides', () => {
    expect(codeOf(grant({ type: 'refund' }))).toBe('INVALID_EVENT');
    expect(codeOf(grant({ annuls: evt(9) }))).toBe('INVALID_EVENT');
    expect(codeOf(grant({ invitationId: null }))).toBe('INVALID_EVENT');
    expect(codeOf(grant({ reason: 'OVERRIDE' }))).toBe('INVALID_EVENT');
    expect(codeOf('nonsense')).toBe('INVALID_EVENT');
  });

  it('refuses another device named as author, even for a stored eventId', () => {
    expect(codeOf(grant({ deviceId: PEER }))).toBe('WRONG_DEVICE');
    expect(codeOf(grant({ deviceId: PEER }), ctx({}, [evt(1)]))).toBe('WRONG_DEVICE');
  });

  it("refuses another lounge's invitation and an unknown one", () => {
    expect(codeOf(grant({ invitationId: FOREIGN_INV }))).toBe('WRONG_LOUNGE');
    expect(codeOf(grant({ invitationId: 'inv_01J00000000000000000000009' }))).toBe(
      'UNKNOWN_INVITATION',
    );
  });

  it('leaves a check to others when the receiver cannot tell', () => {
    const blind = { ...ctx(), invitationLounge: () => undefined, mayAuthor: () => undefined };
    expect(codeOf(grant({ invitationId: FOREIGN_INV, deviceId: PEER }), blind)).toBe('accept');
  });

  it('counts an eventId already stored as a duplicate', () => {
    expect(codeOf(grant(), ctx({}, [evt(1)]))).toBe('duplicate');
  });

  it('accepts an annul of its own grant within 5 minutes, once', () => {
    const g = { deviceId: ME, atMs: T, annulledBy: null };
    expect(codeOf(annul(), ctx({ [evt(1)]: g }))).toBe('accept');
    expect(codeOf(annul({ at: iso(T + 300_000) }), ctx({ [evt(1)]: g }))).toBe('accept');
    expect(codeOf(annul({ at: iso(T + 300_001) }), ctx({ [evt(1)]: g }))).toBe('UNKNOWN_GRANT');
    expect(codeOf(annul({ at: iso(T - 1) }), ctx({ [evt(1)]: g }))).toBe('UNKNOWN_GRANT');
    expect(codeOf(annul(), ctx())).toBe('UNKNOWN_GRANT');
    const peers = { [evt(1)]: { ...g, deviceId: PEER } };
    expect(codeOf(annul(), ctx(peers))).toBe('UNKNOWN_GRANT');
    const done = { [evt(1)]: { ...g, annulledBy: evt(7) } };
    expect(codeOf(annul(), ctx(done))).toBe('UNKNOWN_GRANT');
    expect(codeOf(annul(), ctx(done, [evt(2)]))).toBe('duplicate');
  });

  it('validates exit and adjust in shape only', () => {
    const exit = { type: 'exit', eventId: evt(3), deviceId: ME, gate: 'g', at: iso(T), count: 2 };
    expect(codeOf(exit)).toBe('accept');
    expect(codeOf({ ...exit, count: 0 })).toBe('INVALID_EVENT');
    const { count: _count, ...common } = exit;
    const { staff: _staff, ...adjust } = { ...common, type: 'adjust', delta: -3, staff: 'ana' };
    expect(codeOf({ ...adjust, staff: 'ana' })).toBe('accept');
    expect(codeOf(adjust)).toBe('INVALID_EVENT');
  });
});

describe('checkLoungeEvents', () => {
  it('sees the grants of the same batch, and annuls each grant once', () => {
    const checks = checkLoungeEvents(
      [grant(), annul(), annul({ eventId: evt(3) }), grant()],
      ctx(),
    );
    expect(checks.map((c) => (c.verdict === 'refuse' ? c.code : c.verdict))).toEqual([
      'accept',
      'accept',
      'UNKNOWN_GRANT',
      'duplicate',
    ]);
  });
});
