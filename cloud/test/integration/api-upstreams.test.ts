import { ManualClock } from '@lounge/shared';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStandIns, type StandIns } from '@lounge/test-helpers/stand-ins';
import { utcDate } from '@lounge/test-helpers/dates';
import { createHttpIntegrations } from '../../src/integrations/index.ts';
import { makeCloud, type TestCloud } from './harness.ts';

// Issuance against the real HTTP clients and stand-in servers: fail closed, store nothing.
let standIns: StandIns;
let cloud: TestCloud;

beforeAll(async () => {
  standIns = await startStandIns();
  const integrations = createHttpIntegrations(
    {
      loyalty: { url: standIns.urls.loyalty },
      enrichment: { url: standIns.urls.enrichment },
      crm: { url: standIns.urls.crm },
      ibdp: { url: standIns.urls.ibdp },
    },
    {
      clock: new ManualClock(Date.now()),
      log: pino({ level: 'silent' }),
      sleep: async () => {},
      // Generous: a loaded machine must not turn a slow answer into a false outage.
      tuning: { timeoutMs: 1_500, retries: 1, failureThreshold: 100 },
    },
  );
  cloud = await makeCloud({ integrations });
});
afterAll(async () => {
  await cloud.close();
  await standIns.close();
});

const issue = (customerId: string) =>
  cloud.call('POST', '/v1/invitations', {
    body: cloud.invitationBody({ customerId, flight: { number: 'IB0612', date: utcDate() } }),
  });

describe('upstream outages', () => {
  it('503 LOYALTY_UNAVAILABLE when loyalty is down or hangs; nothing stored', async () => {
    const backlog = await cloud.store.outboxBacklog();
    await standIns.loyalty.setMode('down');
    const down = await issue('IB0700');
    expect({ status: down.status, code: down.json.code }).toEqual({
      status: 503,
      code: 'LOYALTY_UNAVAILABLE',
    });
    await standIns.loyalty.setMode('hang');
    expect((await issue('IB0700')).json.code).toBe('LOYALTY_UNAVAILABLE');
    await standIns.loyalty.setMode('ok');
    expect((await cloud.store.listInvitations('IB0700', 10, null)).items).toEqual([]);
    expect(await cloud.store.outboxBacklog()).toEqual(backlog);
    expect(standIns.enrichment.requests).toHaveLength(0);
  });

  it('503 ENRICHMENT_UNAVAILABLE on 500s; works again once enrichment is back', async () => {
    await standIns.enrichment.setMode('error500');
    const failed = await issue('IB0701');
    expect({ status: failed.status, code: failed.json.code }).toEqual({
      status: 503,
      code: 'ENRICHMENT_UNAVAILABLE',
    });
    expect((await cloud.store.listInvitations('IB0701', 10, null)).items).toEqual([]);
    await standIns.enrichment.setMode('ok');
    expect((await issue('IB0701')).status).toBe(201);
  });

  it('404s from the stand-ins map to NOT_ELIGIBLE and FLIGHT_NOT_FOUND', async () => {
    expect((await issue('NOBODY')).json.code).toBe('NOT_ELIGIBLE');
    const res = await cloud.call('POST', '/v1/invitations', {
      body: cloud.invitationBody({ flight: { number: 'IB9999', date: utcDate() } }),
    });
    expect(res.json.code).toBe('FLIGHT_NOT_FOUND');
  });
});

describe('token size', () => {
  it('warns (metric) when a long issuer pushes a token over 360 characters', async () => {
    const long = await makeCloud({ publicUrl: 'https://' + 'a'.repeat(60) + '.example' });
    try {
      const res = await long.call<{ token: string }>('POST', '/v1/invitations', {
        body: long.invitationBody(),
      });
      expect(res.status).toBe(201);
      expect(res.json.token.length).toBeGreaterThan(360);
      const metrics = await long.call('GET', '/metrics', { key: null });
      expect(metrics.text).toMatch(/lounge_tokens_oversize_total 1/);
    } finally {
      await long.close();
    }
  });
});
