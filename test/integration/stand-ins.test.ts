import { gzipSync } from 'node:zlib';
import { ManualClock } from '@lounge/shared';
import { request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startStandIns, type StandIns } from '@lounge/test-helpers/stand-ins';

let s: StandIns;
beforeAll(async () => {
  s = await startStandIns({ tokens: { ibdp: 'ibdp-token' }, clock: new ManualClock() });
});
afterEach(() => s.reset());
afterAll(() => s.close());

async function get(url: string): Promise<{ status: number; body: unknown; retryAfter?: string }> {
  const res = await request(url);
  const text = await res.body.text();
  const retryAfter = res.headers['retry-after'];
  return {
    status: res.statusCode,
    body: text ? (JSON.parse(text) as unknown) : undefined,
    ...(typeof retryAfter === 'string' ? { retryAfter } : {}),
  };
}

describe('stand-ins', () => {
  it('sit under a path prefix like a gateway, answering 404 at the root', async () => {
    for (const name of ['loyalty', 'enrichment', 'crm', 'ibdp'] as const) {
      const url = new URL(s.urls[name]);
      expect(url.pathname).toBe(`/gw/${name}`);
      const atRoot = await get(`${url.origin}/v1/health`);
      expect(atRoot.status).toBe(404);
      expect(s[name].requests.at(-1)).toMatchObject({ routed: false, status: 404 });
    }
    expect((await get(`${s.urls.loyalty}/v1/members/IB0001`)).status).toBe(200);
    expect((await get(`${s.urls.loyalty}/`)).status).toBe(404);
  });

  it('answer with the stub airline, overridden by seeds', async () => {
    expect(await get(`${s.urls.loyalty}/v1/members/IB0004`)).toMatchObject({
      status: 200,
      body: { customerId: 'IB0004', status: 'suspended' },
    });
    expect((await get(`${s.urls.loyalty}/v1/members/someone`)).status).toBe(404);
    expect((await get(`${s.urls.loyalty}/v1/members/UNAVAILABLE`)).status).toBe(503);
    s.members.set('IB0001', null);
    expect((await get(`${s.urls.loyalty}/v1/members/IB0001`)).status).toBe(404);

    // ManualClock is 2026-11-25T12:00Z: a flight today departs at 15:00Z
    expect(await get(`${s.urls.enrichment}/v1/flights/IB1/2026-11-25`)).toMatchObject({
      status: 200,
      body: { origin: 'MAD', terminal: '4S', departureTime: '2026-11-25T15:00:00.000Z' },
    });
    const flight = {
      number: 'IB42',
      date: '2026-12-24',
      departureTime: '2026-12-24T09:15:00Z',
      origin: 'LHR',
      terminal: '5',
    };
    s.seedFlight(flight);
    expect((await get(`${s.urls.enrichment}/v1/flights/IB42/2026-12-24`)).body).toEqual(flight);
    expect((await get(`${s.urls.enrichment}/v1/flights/IB9999/2026-12-24`)).status).toBe(404);
    expect(s.loyalty.requests.map((r) => r.path)).toContain('/v1/members/IB0004');
  });

  it('record gzip NDJSON batches, require the token, and answer 409 to a repeated key', async () => {
    const body = gzipSync('{"a":1}\n{"b":"ñ"}\n');
    const post = (auth: string) =>
      request(`${s.urls.ibdp}/v1/ingest/access-logs`, {
        method: 'POST',
        body,
        headers: {
          authorization: auth,
          'content-type': 'application/x-ndjson',
          'content-encoding': 'gzip',
          'idempotency-key': 'k1',
        },
      }).then(async (r) => (await r.body.text(), r.statusCode));
    expect(await post('Bearer wrong')).toBe(401);
    expect(await post('Bearer ibdp-token')).toBe(202);
    expect(await post('Bearer ibdp-token')).toBe(409);
    expect(s.ibdpRecords('access-logs')).toEqual([{ a: 1 }, { b: 'ñ' }]);
    expect(s.ibdp.requests.map((r) => r.status)).toEqual([401, 202, 409]);
    expect(s.ibdp.requests[1]!.records).toEqual([{ a: 1 }, { b: 'ñ' }]);
  });

  it('fail on demand: failNext, error429 with Retry-After, error500', async () => {
    const url = `${s.urls.loyalty}/v1/members/IB0001`;
    s.loyalty.failNext(2, 503);
    expect(await get(url)).toMatchObject({ status: 503, retryAfter: '1' });
    expect((await get(url)).status).toBe(503);
    expect((await get(url)).status).toBe(200);
    await s.loyalty.setMode('error429');
    expect(await get(url)).toMatchObject({ status: 429, retryAfter: '1' });
    await s.loyalty.setMode('error500');
    expect((await get(url)).status).toBe(500);
  });

  it('hang never answers; down closes the port and reopens on the same one', async () => {
    await s.crm.setMode('hang');
    const hung = await request(`${s.urls.crm}/v1/events`, {
      method: 'POST',
      signal: AbortSignal.timeout(200),
    }).catch((e: unknown) => e);
    expect(hung).toBeInstanceOf(Error);
    expect(s.crm.requests).toHaveLength(1);

    const url = s.urls.crm;
    await s.crm.setMode('down');
    const refused = await request(`${url}/v1/events`).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'ECONNREFUSED' });
    await s.crm.setMode('ok');
    expect(s.crm.url).toBe(url);
    expect((await get(`${url}/nowhere`)).status).toBe(404);
  });
});
