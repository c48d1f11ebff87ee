import { ManualClock } from '@lounge/shared';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStandIns, type StandIns } from '@lounge/test-helpers/stand-ins';
import {
  UpstreamUnavailableError,
  createHttpIntegrations,
  createStubIntegrations,
  type CrmEvent,
  type Integrations,
} from '../../src/integrations/index.ts';

/**
 * One contract, two adapters: the in-process stub (`INTEGRATIONS=stub`) and the HTTP clients
 * against the stand-ins must answer the same, so tests on either tell the truth about both.
 */

interface Adapter {
  integrations: Integrations;
  crmEvents(): unknown[];
  ibdpRecords(dataset: 'invitations' | 'access-logs'): unknown[];
}

const clock = new ManualClock(Date.UTC(2026, 10, 25, 12, 0, 0));
let standIns: StandIns;

beforeAll(async () => {
  standIns = await startStandIns({ clock });
});
afterAll(() => standIns.close());

const adapters: Record<string, () => Adapter> = {
  stub: () => {
    const stub = createStubIntegrations({ clock });
    return {
      integrations: stub,
      crmEvents: () => stub.crm.events,
      ibdpRecords: (d) => stub.ibdp.records(d),
    };
  },
  http: () => ({
    integrations: createHttpIntegrations(
      {
        loyalty: { url: standIns.urls.loyalty },
        enrichment: { url: standIns.urls.enrichment },
        crm: { url: standIns.urls.crm },
        ibdp: { url: standIns.urls.ibdp },
      },
      { clock, log: pino({ level: 'silent' }), sleep: async () => {} },
    ),
    crmEvents: () => standIns.crmEvents(),
    ibdpRecords: (d) => standIns.ibdpRecords(d),
  }),
};

const event: CrmEvent = {
  eventId: 'evt_01KAXYZ000000000000000CONT',
  type: 'vip-invitation.revoked',
  occurredAt: '2026-11-25T12:00:00.000Z',
  invitationId: 'inv_01KAXYZ000000000000000CONT',
  customerId: 'IB0001',
  loungeId: 'MAD-T4S-VELAZQUEZ',
  validFrom: '2026-11-25T11:00:00.000Z',
  validUntil: '2026-11-25T15:30:00.000Z',
  qr: { png: 'https://c/qr.png', svg: 'https://c/qr.svg', expiresAt: '2026-11-25T15:30:00.000Z' },
};

describe.each(Object.keys(adapters))('integrations contract: %s', (name) => {
  let a: Adapter;
  beforeAll(async () => {
    await standIns.reset();
    a = adapters[name]!();
  });

  it('loyalty: members, exceptions, not a member, down', async () => {
    const { loyalty } = a.integrations;
    expect(await loyalty.getMember('IB0001')).toMatchObject({ guestAllowance: 2 });
    expect(await loyalty.getMember('IB0004')).toMatchObject({ status: 'suspended' });
    expect(await loyalty.getMember('IB0005')).toMatchObject({ loungeAccess: false });
    expect(await loyalty.getMember('stranger')).toBeNull();
    await expect(loyalty.getMember('UNAVAILABLE')).rejects.toBeInstanceOf(UpstreamUnavailableError);
  });

  it('enrichment: today, BCN, missing, down', async () => {
    const { enrichment } = a.integrations;
    expect(await enrichment.getFlight('IB1', '2026-11-25')).toEqual({
      number: 'IB1',
      date: '2026-11-25',
      departureTime: '2026-11-25T15:00:00.000Z',
      origin: 'MAD',
      terminal: '4S',
    });
    expect(await enrichment.getFlight('IB3001', '2026-11-26')).toMatchObject({ origin: 'BCN' });
    expect(await enrichment.getFlight('IB9999', '2026-11-25')).toBeNull();
    await expect(enrichment.getFlight('IB9998', '2026-11-25')).rejects.toMatchObject({
      upstream: 'enrichment',
    });
  });

  it('CRM and IBDP store once per idempotency key', async () => {
    const { crm, ibdp } = a.integrations;
    await crm.send(event);
    await crm.send(event);
    expect(a.crmEvents()).toEqual([event]);
    const records = [{ invitationId: event.invitationId, status: 'revoked' }];
    await ibdp.ingest('invitations', 'batch-A', records);
    await ibdp.ingest('invitations', 'batch-A', records);
    await ibdp.ingest('invitations', 'batch-B', []);
    expect(a.ibdpRecords('invitations')).toEqual(records);
    expect(await ibdp.health()).toBe(true);
  });
});
