import type { Decision } from '@lounge/shared';
import { describe, expect, it } from 'vitest';
import { retryOutcome, SCAN_ID_RE, SCAN_ID_TTL_MS } from './scan-retry.ts';
import type { RecordedScan } from './state/index.ts';

const AT = 1_790_000_000_000;
const grant: Decision = {
  decision: 'grant',
  reason: 'OK',
  invitationId: 'inv_01JD00000000000000000000AB',
  admit: 3,
  entriesLeft: 0,
  validUntil: null,
  gate: 'T1',
  eventId: 'evt_01JD00000000000000000000AB',
  decidedAt: new Date(AT).toISOString(),
  offline: false,
  scanId: 'turn-1',
};
const recorded: RecordedScan = {
  scanId: 'turn-1',
  codeSha256: 'a'.repeat(64),
  gate: 'T1',
  decision: grant,
  atMs: AT,
};
const same = { codeSha256: 'a'.repeat(64), gate: 'T1' };
const never = () => false;

describe('retryOutcome (turnstile retries, SPEC.md 8)', () => {
  it('decides anew for an unknown scanId or one recorded over 5 minutes ago', () => {
    expect(retryOutcome(undefined, same, AT, never)).toEqual({ kind: 'new' });
    expect(retryOutcome(recorded, same, AT + SCAN_ID_TTL_MS + 1, never)).toEqual({ kind: 'new' });
  });

  it('answers the recorded decision to a retry within 5 minutes, even if the clock stepped back', () => {
    for (const now of [AT, AT + SCAN_ID_TTL_MS, AT - 60_000]) {
      expect(retryOutcome(recorded, same, now, never)).toEqual({ kind: 'replay', decision: grant });
    }
  });

  it('answers deny ANNULLED, admit 0, same eventId, once the grant was annulled', () => {
    const out = retryOutcome(recorded, same, AT + 1000, (id) => id === grant.eventId);
    expect(out).toEqual({
      kind: 'replay',
      decision: { ...grant, decision: 'deny', reason: 'ANNULLED', admit: 0 },
    });
    const deny = { ...grant, decision: 'deny' as const, reason: 'ALREADY_USED' as const, admit: 0 };
    expect(retryOutcome({ ...recorded, decision: deny }, same, AT, () => true)).toEqual({
      kind: 'replay',
      decision: deny,
    });
  });

  it('refuses the same scanId with another code or gate', () => {
    expect(retryOutcome(recorded, { ...same, gate: 'T2' }, AT, never).kind).toBe('reused');
    expect(retryOutcome(recorded, { ...same, codeSha256: 'b'.repeat(64) }, AT, never).kind).toBe(
      'reused',
    );
  });

  it('accepts 1-64 of A-Za-z0-9_.:- as a scanId', () => {
    for (const ok of ['a', 'T1:0042', 'x'.repeat(64), 'a-b_c.d:e'])
      expect(SCAN_ID_RE.test(ok)).toBe(true);
    for (const bad of ['', 'x'.repeat(65), 'a b', 'a/b', 'ñ'])
      expect(SCAN_ID_RE.test(bad)).toBe(false);
  });
});
