import { ManualClock } from '@lounge/shared';
import { describe, expect, it } from 'vitest';
import { UpstreamUnavailableError } from './ports.ts';
import { createStubIntegrations } from './stub.ts';
import { stubFlight, stubMember } from './stub-data.ts';

const NOON = Date.UTC(2026, 10, 25, 12, 0, 0);

describe('stub airline', () => {
  it('members: IB + digits, with the documented exceptions; anything else is not a member', () => {
    expect(stubMember('IB0001')).toEqual({
      customerId: 'IB0001',
      tier: 'Platinum',
      status: 'active',
      loungeAccess: true,
      guestAllowance: 2,
    });
    expect(stubMember('IB0004')?.status).toBe('suspended');
    expect(stubMember('IB0005')?.loungeAccess).toBe(false);
    expect(stubMember('IB0003')?.guestAllowance).toBe(0);
    expect(stubMember('IB123456')?.status).toBe('active');
    expect(stubMember('XX0001')).toBeNull();
    expect(stubMember('IB12')).toBeNull();
  });

  it('a flight dated today departs 3 h after the current hour began, so tokens are valid now', () => {
    const at = NOON + 47 * 60_000; // 12:47
    expect(stubFlight('IB6', '2026-11-25', at)).toEqual({
      number: 'IB6',
      date: '2026-11-25',
      departureTime: '2026-11-25T15:00:00.000Z',
      origin: 'MAD',
      terminal: '4S',
    });
  });

  it('other dates depart at 12:00 UTC + (number mod 6) h; IB3xxx from BCN; IB9999 never', () => {
    expect(stubFlight('IB3455', '2027-01-10', NOON)).toMatchObject({
      departureTime: '2027-01-10T17:00:00.000Z',
      origin: 'BCN',
      terminal: '1',
    });
    expect(stubFlight('IB345', '2027-01-10', NOON)?.origin).toBe('MAD');
    expect(stubFlight('IB9999', '2027-01-10', NOON)).toBeNull();
    expect(stubFlight('VY1', '2027-01-10', NOON)).toBeNull();
    expect(stubFlight('IB1', '2027-02-30', NOON)).toBeNull();
  });

  it('the in-process stub keeps one copy per idempotency key and can play unavailable', async () => {
    const stub = createStubIntegrations({ clock: new ManualClock(NOON) });
    await expect(stub.loyalty.getMember('UNAVAILABLE')).rejects.toBeInstanceOf(
      UpstreamUnavailableError,
    );
    await expect(stub.enrichment.getFlight('IB9998', '2026-11-25')).rejects.toMatchObject({
      upstream: 'enrichment',
    });
    await expect(stub.enrichment.getFlight('IB1', '2026-11-25')).resolves.toMatchObject({
      departureTime: '2026-11-25T15:00:00.000Z',
    });

    const record = { eventId: 'evt_1', n: 1 };
    await stub.ibdp.ingest('access-logs', 'b1', [record]);
    await stub.ibdp.ingest('access-logs', 'b1', [record]);
    record.n = 2; // what was sent stays as it was sent
    expect(stub.ibdp.records('access-logs')).toEqual([{ eventId: 'evt_1', n: 1 }]);
    expect(stub.ibdp.records('invitations')).toEqual([]);
    await expect(stub.ibdp.health()).resolves.toBe(true);
  });
});
