import { ManualClock } from '@lounge/shared';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { Agent } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { utcDate } from '@lounge/test-helpers/dates';
import { startStandIns, type StandIns } from '@lounge/test-helpers/stand-ins';
import {
  UpstreamUnavailableError,
  createHttpIntegrations,
  type CallEvent,
  type HttpTuning,
  type Member,
} from '../../src/integrations/index.ts';

const log = pino({ level: 'silent' });
let s: StandIns;
let agent: Agent;

beforeAll(async () => {
  s = await startStandIns();
  agent = new Agent({ keepAliveTimeout: 10_000 });
});
afterEach(() => s.reset());
afterAll(async () => {
  await agent.close();
  await s.close();
});

/** Clients against the stand-ins, fast settings, sleeps recorded instead of waited. */
function setup(tuning: Partial<HttpTuning> = {}, tokens: { ibdp?: string } = {}) {
  const clock = new ManualClock();
  const events: CallEvent[] = [];
  const sleeps: number[] = [];
  const registry = new Registry();
  const integrations = createHttpIntegrations(
    {
      loyalty: { url: s.urls.loyalty, token: 'loyalty-secret' },
      enrichment: { url: s.urls.enrichment + '/' },
      crm: { url: s.urls.crm },
      ibdp: { url: s.urls.ibdp, token: tokens.ibdp },
    },
    {
      clock,
      log,
      dispatcher: agent,
      registry,
      onCall: (e) => events.push(e),
      sleep: async (ms) => void sleeps.push(ms),
      random: () => 0.5,
      tuning: { timeoutMs: 300, retries: 2, ...tuning },
    },
  );
  return { clock, events, sleeps, registry, integrations };
}

const unavailable = (p: Promise<unknown>) => p.then(() => undefined).catch((e: unknown) => e);

describe('loyalty and enrichment clients', () => {
  it('fetch a member with the bearer token and a flight; 404 is null', async () => {
    const { integrations } = setup();
    await expect(integrations.loyalty.getMember('IB0001')).resolves.toMatchObject({
      customerId: 'IB0001',
      status: 'active',
      loungeAccess: true,
    });
    expect(s.loyalty.requests[0]).toMatchObject({ method: 'GET', path: '/v1/members/IB0001' });
    expect(s.loyalty.requests[0]!.headers.authorization).toBe('Bearer loyalty-secret');
    await expect(integrations.loyalty.getMember('nobody')).resolves.toBeNull();

    // A week ahead: the stand-in gives any day but today its fixed 12:00 UTC (+ n mod 6 h).
    const date = utcDate(7);
    const flight = await integrations.enrichment.getFlight('IB3456', date);
    expect(flight).toEqual({
      number: 'IB3456',
      date,
      departureTime: `${date}T12:00:00.000Z`,
      origin: 'BCN',
      terminal: '1',
    });
    expect(s.enrichment.requests[0]!.headers.authorization).toBeUndefined();
    await expect(integrations.enrichment.getFlight('IB9999', date)).resolves.toBeNull();
  });

  it('retries a 500 and succeeds', async () => {
    const { integrations, events, sleeps } = setup();
    s.loyalty.failNext(2, 500);
    await expect(integrations.loyalty.getMember('IB0002')).resolves.toMatchObject({ tier: 'Gold' });
    expect(s.loyalty.requests.map((r) => r.status)).toEqual([500, 500, 200]);
    expect(sleeps).toEqual([50, 100]); // backoff 100 ms, 200 ms ceilings at random 0.5
    expect(events).toEqual([expect.objectContaining({ outcome: 'ok', attempts: 3 })]);
  });

  it('gives up after the retries with UpstreamUnavailableError', async () => {
    const { integrations, events } = setup();
    await s.loyalty.setMode('error500');
    const err = await unavailable(integrations.loyalty.getMember('IB0001'));
    expect(err).toBeInstanceOf(UpstreamUnavailableError);
    expect(err).toMatchObject({ upstream: 'loyalty', status: 500 });
    expect(s.loyalty.requests).toHaveLength(3);
    expect(events[0]).toMatchObject({ outcome: 'server_error', attempts: 3 });
  });

  it('a hanging upstream is unavailable after the timeout, without retrying', async () => {
    const { integrations, events } = setup({ timeoutMs: 250 });
    await s.enrichment.setMode('hang');
    const started = Date.now();
    const err = await unavailable(integrations.enrichment.getFlight('IB1', utcDate(7)));
    const elapsed = Date.now() - started;
    expect(err).toBeInstanceOf(UpstreamUnavailableError);
    expect(elapsed).toBeGreaterThanOrEqual(240);
    expect(elapsed).toBeLessThan(1_500);
    expect(s.enrichment.requests).toHaveLength(1);
    expect(events[0]).toMatchObject({ outcome: 'timeout' });
  });

  it('a malformed answer is unavailable, never trusted', async () => {
    const { integrations, events } = setup();
    s.seedMember({ customerId: 'IB7777', tier: 'Gold', status: 'closed' } as unknown as Member);
    const err = await unavailable(integrations.loyalty.getMember('IB7777'));
    expect(err).toBeInstanceOf(UpstreamUnavailableError);
    expect(s.loyalty.requests).toHaveLength(1);
    expect(events[0]).toMatchObject({ outcome: 'malformed' });
  });

  it('another 4xx is unavailable, not retried, and does not open the circuit', async () => {
    const { integrations, events } = setup({ failureThreshold: 2 });
    s.loyalty.failNext(3, 400);
    for (let i = 0; i < 3; i++) {
      await expect(integrations.loyalty.getMember('IB0001')).rejects.toMatchObject({ status: 400 });
    }
    expect(s.loyalty.requests).toHaveLength(3);
    expect(integrations.circuits().loyalty).toBe('closed');
    expect(events.map((e) => e.outcome)).toEqual(['rejected', 'rejected', 'rejected']);
  });

  it('the circuit opens after repeated failures and recovers after the cool-down', async () => {
    const { integrations, clock, events } = setup({
      retries: 0,
      failureThreshold: 3,
      coolDownMs: 10_000,
    });
    await s.loyalty.setMode('error500');
    for (let i = 0; i < 3; i++) {
      await expect(integrations.loyalty.getMember('IB0001')).rejects.toThrow(/loyalty unavailable/);
    }
    expect(integrations.circuits().loyalty).toBe('open');
    await s.loyalty.setMode('ok');
    const err = await unavailable(integrations.loyalty.getMember('IB0001'));
    expect(err).toMatchObject({ upstream: 'loyalty', retryAfterMs: 10_000 });
    expect(s.loyalty.requests).toHaveLength(3); // the open circuit made no call
    expect(events.at(-1)).toMatchObject({ outcome: 'circuit_open' });
    // other upstreams have their own breaker
    await expect(integrations.enrichment.getFlight('IB1', utcDate(7))).resolves.not.toBeNull();

    clock.advance(10_000);
    expect(integrations.circuits().loyalty).toBe('half-open');
    await expect(integrations.loyalty.getMember('IB0001')).resolves.not.toBeNull();
    expect(integrations.circuits().loyalty).toBe('closed');
  });

  it('a closed port is unavailable; the client reconnects when it reopens', async () => {
    const { integrations, events } = setup({ retries: 1 });
    await expect(integrations.loyalty.getMember('IB0001')).resolves.not.toBeNull();
    await s.loyalty.setMode('down');
    await expect(integrations.loyalty.getMember('IB0001')).rejects.toBeInstanceOf(
      UpstreamUnavailableError,
    );
    expect(events.at(-1)).toMatchObject({ outcome: 'network_error', attempts: 2 });
    await s.loyalty.setMode('ok');
    await expect(integrations.loyalty.getMember('IB0001')).resolves.not.toBeNull();
  });
});

describe('CRM client', () => {
  const event = {
    eventId: 'evt_01KAXYZ0000000000000000001',
    type: 'vip-invitation.issued' as const,
    occurredAt: '2026-11-25T12:00:00.000Z',
    invitationId: 'inv_01KAXYZ0000000000000000001',
    customerId: 'IB0001',
    loungeId: 'MAD-T4S-VELAZQUEZ',
    validFrom: '2026-11-25T11:00:00.000Z',
    validUntil: '2026-11-25T15:30:00.000Z',
    qr: { png: 'http://x/qr.png?exp=1&sig=a', svg: 'http://x/qr.svg?exp=1&sig=b', expiresAt: 'x' },
  };

  it('posts JSON with the Idempotency-Key, retries a 503, and a repeat (409) counts as stored', async () => {
    const { integrations, sleeps } = setup();
    s.crm.failNext(1, 503);
    await integrations.crm.send(event);
    await integrations.crm.send(event);
    expect(s.crmEvents()).toEqual([event]);
    expect(s.crm.requests.map((r) => r.status)).toEqual([503, 202, 409]);
    expect(s.crm.requests[1]!.headers['idempotency-key']).toBe(event.eventId);
    expect(s.crm.requests[1]!.headers['content-type']).toBe('application/json');
    expect(sleeps).toEqual([1_000]); // the stand-in's Retry-After: 1
  });
});

describe('IBDP client', () => {
  const records = [
    { eventId: 'evt_1', decision: 'grant', reason: 'OK', note: 'ñ and "quotes"\nnewline' },
    { eventId: 'evt_2', decision: 'deny', reason: 'REVOKED' },
    { eventId: 'evt_3', decision: 'deny', reason: 'EXPIRED' },
  ];

  it('sends gzip NDJSON with the batch id as Idempotency-Key; 409 counts as stored', async () => {
    const { integrations } = setup({}, { ibdp: 'ibdp-secret' });
    await integrations.ibdp.ingest('access-logs', 'batch-1', records);
    await integrations.ibdp.ingest('access-logs', 'batch-1', records);
    expect(s.ibdpRecords('access-logs')).toEqual(records);
    const [first, again] = s.ibdp.requests;
    expect(first).toMatchObject({ method: 'POST', path: '/v1/ingest/access-logs', status: 202 });
    expect(first!.headers).toMatchObject({
      'content-encoding': 'gzip',
      'content-type': 'application/x-ndjson',
      'idempotency-key': 'batch-1',
      authorization: 'Bearer ibdp-secret',
    });
    expect(again!.status).toBe(409);
  });

  it('honours Retry-After on 429, and hands back a wait longer than maxMs at once', async () => {
    const { integrations, sleeps } = setup({ maxMs: 3_000 });
    s.ibdp.retryAfterSeconds = 2;
    s.ibdp.failNext(1, 429);
    await integrations.ibdp.ingest('invitations', 'b-2', records);
    expect(sleeps).toEqual([2_000]);
    expect(s.ibdpRecords('invitations')).toHaveLength(3);

    s.ibdp.retryAfterSeconds = 60;
    s.ibdp.failNext(1, 503);
    const err = await unavailable(integrations.ibdp.ingest('invitations', 'b-3', records));
    expect(err).toMatchObject({ upstream: 'ibdp', status: 503, retryAfterMs: 60_000 });
    expect(s.ibdp.requests).toHaveLength(3);
  });

  it('health is true when IBDP is up and false when it is down or failing', async () => {
    const { integrations } = setup();
    await expect(integrations.ibdp.health()).resolves.toBe(true);
    await s.ibdp.setMode('error500');
    await expect(integrations.ibdp.health()).resolves.toBe(false);
    await s.ibdp.setMode('down');
    await expect(integrations.ibdp.health()).resolves.toBe(false);
  });
});

describe('metrics', () => {
  it('counts calls by outcome and exposes the circuit state on the registry', async () => {
    const { integrations, registry } = setup();
    await integrations.loyalty.getMember('IB0001');
    await integrations.loyalty.getMember('nobody');
    const text = await registry.metrics();
    expect(text).toContain('lounge_upstream_calls_total{upstream="loyalty",outcome="ok"} 1');
    expect(text).toContain('lounge_upstream_calls_total{upstream="loyalty",outcome="not_found"} 1');
    expect(text).toContain('lounge_upstream_circuit_state{upstream="crm"} 0');
  });
});
