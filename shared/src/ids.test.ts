import { describe, expect, it } from 'vitest';
import { INVITATION_ID_RE, isUlid, newDeviceId, newEventId, newInvitationId, ulid } from './ids.ts';

describe('ids', () => {
  it('makes 26-character ULIDs that sort by time', () => {
    const a = ulid(1_700_000_000_000);
    const b = ulid(1_700_000_000_001);
    expect(a).toHaveLength(26);
    expect(isUlid(a)).toBe(true);
    expect(a < b).toBe(true);
    expect(ulid(0, () => new Uint8Array(16))).toBe('0'.repeat(26));
  });

  it('prefixes invitation, device and event ids', () => {
    expect(newInvitationId()).toMatch(INVITATION_ID_RE);
    expect(newDeviceId()).toMatch(/^dev_[0-9A-Z]{26}$/);
    expect(newEventId()).toMatch(/^evt_[0-9A-Z]{26}$/);
  });

  it('refuses a time outside 48 bits', () => {
    expect(() => ulid(-1)).toThrow(RangeError);
    expect(() => ulid(2 ** 48)).toThrow(RangeError);
  });
});
