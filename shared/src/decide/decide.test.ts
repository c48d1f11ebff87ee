import { describe, expect, it } from 'vitest';
import type { TokenClaims } from '../token/claims.ts';
import type { VerifiedToken } from '../token/verify.ts';
import {
  ANNUL_WINDOW_MS,
  admitByHandOutcome,
  canAnnul,
  decide,
  type DecideInput,
} from './decide.ts';

const NOW_MS = 1_790_000_000_000;
const claims: TokenClaims = {
  iss: 'http://localhost:8080',
  jti: 'inv_01JD00000000000000000000AB',
  aud: 'MAD-T4S-VELAZQUEZ',
  sub: 'AbCdEfGhIjKlMnOpQrStUv',
  nbf: NOW_MS / 1000 - 60,
  exp: NOW_MS / 1000 + 3600,
  gst: 2,
  ent: 2,
};
const verified: VerifiedToken = { ok: true, kid: 'k1', claims };
const input: DecideInput = {
  verification: verified,
  state: { revoked: false, entriesUsed: 0 },
  loungeId: 'MAD-T4S-VELAZQUEZ',
  nowMs: NOW_MS,
  clockSkewSeconds: 120,
};

describe('decide', () => {
  it('grants with admit = 1 + guests and counts entries down', () => {
    expect(decide(input)).toMatchObject({
      decision: 'grant',
      reason: 'OK',
      admit: 3,
      entriesLeft: 1,
      consumes: true,
      validUntil: new Date(claims.exp * 1000).toISOString(),
    });
    expect(decide({ ...input, state: { revoked: false, entriesUsed: 1 } })).toMatchObject({
      decision: 'grant',
      entriesLeft: 0,
    });
    expect(decide({ ...input, state: { revoked: false, entriesUsed: 2 } })).toMatchObject({
      decision: 'deny',
      reason: 'ALREADY_USED',
      admit: 0,
      entriesLeft: 0,
    });
  });

  it('never grants a used code again, however soon it is read again (no repeat rule)', () => {
    // The state right after a grant that took the last entry, read again at once.
    const used = { revoked: false, entriesUsed: 2 };
    const again = decide({ ...input, state: used });
    expect(again).toMatchObject({ decision: 'deny', reason: 'ALREADY_USED', admit: 0 });
    expect(again.consumes).toBe(false);
    expect(again).not.toHaveProperty('repeat');
  });

  it('checks the time window before revocation and revocation before use', () => {
    const state = { revoked: true, entriesUsed: 2 };
    expect(decide({ ...input, state }).reason).toBe('REVOKED');
    expect(decide({ ...input, state, nowMs: (claims.exp + 600) * 1000 }).reason).toBe('EXPIRED');
    expect(decide({ ...input, state, loungeId: 'MAD-T4N-PUENTE' }).reason).toBe('WRONG_LOUNGE');
  });

  it('denies LOUNGE_FULL, consuming nothing, when the party would exceed capacity', () => {
    // admit = 1 + gst = 3
    expect(decide({ ...input, occupancy: { inside: 7, capacity: 10 } })).toMatchObject({
      decision: 'grant',
      reason: 'OK',
    });
    const full = decide({ ...input, occupancy: { inside: 8, capacity: 10 } });
    expect(full).toMatchObject({ decision: 'deny', reason: 'LOUNGE_FULL', admit: 0 });
    expect(full.consumes).toBe(false);
    expect(full.entriesLeft).toBe(2);
    expect(decide({ ...input, occupancy: { inside: 999, capacity: null } }).reason).toBe('OK');
  });

  it('checks use before capacity: a used code in a full lounge is ALREADY_USED', () => {
    const occupancy = { inside: 10, capacity: 10 };
    const used = { revoked: false, entriesUsed: 2 };
    expect(decide({ ...input, occupancy, state: used }).reason).toBe('ALREADY_USED');
    expect(decide({ ...input, occupancy, state: { ...used, revoked: true } }).reason).toBe(
      'REVOKED',
    );
  });

  it('lets staff override LOUNGE_FULL only: a grant that consumes like any other', () => {
    const occupancy = { inside: 10, capacity: 10 };
    expect(decide({ ...input, occupancy, override: true })).toMatchObject({
      decision: 'grant',
      reason: 'OVERRIDE',
      admit: 3,
      entriesLeft: 1,
      consumes: true,
    });
    const used = { revoked: false, entriesUsed: 2 };
    expect(decide({ ...input, occupancy, override: true, state: used }).reason).toBe(
      'ALREADY_USED',
    );
    // Nothing to override: an ordinary grant.
    expect(decide({ ...input, override: true }).reason).toBe('OK');
  });

  it('admits a party by hand without touching an invitation', () => {
    expect(admitByHandOutcome(4)).toMatchObject({
      decision: 'grant',
      reason: 'OVERRIDE',
      invitationId: null,
      admit: 4,
      consumes: false,
    });
  });

  it('allows annulment only within five minutes of the grant', () => {
    expect(canAnnul(NOW_MS, NOW_MS + ANNUL_WINDOW_MS)).toBe(true);
    expect(canAnnul(NOW_MS, NOW_MS + ANNUL_WINDOW_MS + 1)).toBe(false);
    expect(canAnnul(NOW_MS, NOW_MS - 1)).toBe(false);
  });
});
