import { describe, expect, it } from 'vitest';
import type { TokenClaims } from '../token/claims.ts';
import type { VerifiedToken } from '../token/verify.ts';
import { ANNUL_WINDOW_MS, canAnnul, decide, type DecideInput } from './decide.ts';

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
  gate: 'gate1',
  nowMs: NOW_MS,
  clockSkewSeconds: 120,
  regrantWindowSeconds: 10,
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

  it('repeats a grant on the same gate within the window without consuming', () => {
    const state = {
      revoked: false,
      entriesUsed: 2,
      lastGrant: { gate: 'gate1', atMs: NOW_MS - 5_000, entriesLeft: 0 },
    };
    expect(decide({ ...input, state })).toMatchObject({
      decision: 'grant',
      repeat: true,
      consumes: false,
      entriesLeft: 0,
    });
    expect(decide({ ...input, state, gate: 'gate2' }).reason).toBe('ALREADY_USED');
    expect(decide({ ...input, state, nowMs: NOW_MS + 6_000 }).reason).toBe('ALREADY_USED');
  });

  it('checks revocation before the re-grant window and the time window before revocation', () => {
    const state = {
      revoked: true,
      entriesUsed: 1,
      lastGrant: { gate: 'gate1', atMs: NOW_MS - 1_000, entriesLeft: 1 },
    };
    expect(decide({ ...input, state }).reason).toBe('REVOKED');
    expect(decide({ ...input, state, nowMs: (claims.exp + 600) * 1000 }).reason).toBe('EXPIRED');
    expect(decide({ ...input, state, loungeId: 'MAD-T4N-PUENTE' }).reason).toBe('WRONG_LOUNGE');
  });

  it('allows annulment only within five minutes of the grant', () => {
    expect(canAnnul(NOW_MS, NOW_MS + ANNUL_WINDOW_MS)).toBe(true);
    expect(canAnnul(NOW_MS, NOW_MS + ANNUL_WINDOW_MS + 1)).toBe(false);
    expect(canAnnul(NOW_MS, NOW_MS - 1)).toBe(false);
  });
});
