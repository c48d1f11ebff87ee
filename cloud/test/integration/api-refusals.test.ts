import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { utcDate } from '@lounge/test-helpers/dates';
import type { InvitationView } from '../../src/domain/views.ts';
import { makeCloud, type TestCloud } from './harness.ts';

// Every refusal code of SPEC.md section 5, through HTTP, with a real SQLite store.
let cloud: TestCloud;
beforeAll(async () => {
  cloud = await makeCloud();
});
afterAll(() => cloud.close());

const expectProblem = (
  res: { status: number; headers: Headers; json: unknown },
  status: number,
  code: string,
) => {
  const json = res.json as Record<string, unknown>;
  expect({ status: res.status, code: json.code }).toEqual({ status, code });
  expect(res.headers.get('content-type')).toContain('application/problem+json');
  expect(json).toMatchObject({ status, type: expect.any(String), title: expect.any(String) });
  expect(typeof json.detail).toBe('string');
};

describe('auth and request refusals', () => {
  it('401 UNAUTHORIZED without or with a wrong key, 403 FORBIDDEN for the wrong role', async () => {
    expectProblem(await cloud.call('GET', '/v1/devices', { key: null }), 401, 'UNAUTHORIZED');
    expectProblem(
      await cloud.call('GET', '/v1/devices', { key: 'lk_nope_nope' }),
      401,
      'UNAUTHORIZED',
    );
    const forged = cloud.appKey.slice(0, -4) + 'AAAA';
    expectProblem(
      await cloud.call('GET', '/v1/invitations?customerId=IB0001', { key: forged }),
      401,
      'UNAUTHORIZED',
    );
    expectProblem(await cloud.call('GET', '/v1/devices', { key: cloud.appKey }), 403, 'FORBIDDEN');
    expectProblem(
      await cloud.call('POST', '/v1/entries', { body: { events: [] } }),
      403,
      'FORBIDDEN',
    );
  });

  it('400 INVALID_REQUEST names the field; malformed JSON too', async () => {
    const res = await cloud.call('POST', '/v1/invitations', {
      body: { ...cloud.invitationBody(), flight: { number: 'IB0612' } },
    });
    expectProblem(res, 400, 'INVALID_REQUEST');
    expect(res.json.detail).toContain('flight.date');
    const lounge = await cloud.call('POST', '/v1/invitations', {
      body: cloud.invitationBody({ loungeId: 'nope' }),
    });
    expect(lounge.json.detail).toContain('loungeId');
    const malformed = await cloud.call('POST', '/v1/invitations', { raw: '{"customerId":' });
    expectProblem(malformed, 400, 'INVALID_REQUEST');
    const query = await cloud.call('GET', '/v1/invitations', { key: cloud.appKey });
    expectProblem(query, 400, 'INVALID_REQUEST');
    expect(query.json.detail).toContain('customerId');
  });

  it('413 PAYLOAD_TOO_LARGE over 64 KiB, 404 NOT_FOUND as problem+json, no CORS', async () => {
    const big = await cloud.call('POST', '/v1/invitations', {
      body: { ...cloud.invitationBody(), padding: 'x'.repeat(70_000) },
    });
    expectProblem(big, 413, 'PAYLOAD_TOO_LARGE');
    expectProblem(await cloud.call('GET', '/v1/nowhere'), 404, 'NOT_FOUND');
    const cors = await cloud.call('GET', '/healthz', { headers: { origin: 'https://evil.test' } });
    expect(cors.status).toBe(200);
    expect(cors.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('issuance refusals', () => {
  const issue = (body: Record<string, unknown>) =>
    cloud.call<InvitationView>('POST', '/v1/invitations', {
      body: cloud.invitationBody(body),
      key: cloud.appKey,
    });

  it('403 NOT_ELIGIBLE for non-members, suspended members and tiers without access', async () => {
    for (const customerId of ['NOT-A-MEMBER', 'IB0004', 'IB0005']) {
      expectProblem(await issue({ customerId, guests: 0 }), 403, 'NOT_ELIGIBLE');
    }
  });

  it('422 TOO_MANY_GUESTS, UNKNOWN_LOUNGE, FLIGHT_NOT_FROM_LOUNGE_AIRPORT, FLIGHT_NOT_FOUND', async () => {
    expectProblem(await issue({ customerId: 'IB0003', guests: 1 }), 422, 'TOO_MANY_GUESTS');
    expectProblem(await issue({ loungeId: 'MAD-NOWHERE' }), 422, 'UNKNOWN_LOUNGE');
    const bcn = await issue({ flight: { number: 'IB3001', date: utcDate() } });
    expectProblem(bcn, 422, 'FLIGHT_NOT_FROM_LOUNGE_AIRPORT');
    const missing = await issue({ flight: { number: 'IB9999', date: utcDate() } });
    expectProblem(missing, 422, 'FLIGHT_NOT_FOUND');
  });

  it('503 LOYALTY_UNAVAILABLE and ENRICHMENT_UNAVAILABLE store nothing', async () => {
    const before = await cloud.store.outboxBacklog();
    expectProblem(await issue({ customerId: 'UNAVAILABLE' }), 503, 'LOYALTY_UNAVAILABLE');
    const enrichment = await issue({
      customerId: 'IB0042',
      flight: { number: 'IB9998', date: utcDate() },
    });
    expectProblem(enrichment, 503, 'ENRICHMENT_UNAVAILABLE');
    expect(await cloud.store.outboxBacklog()).toEqual(before);
    for (const customerId of ['UNAVAILABLE', 'IB0042']) {
      const page = await cloud.store.listInvitations(customerId, 10, null);
      expect(page.items).toEqual([]);
    }
  });

  it('409 ALREADY_INVITED for a second active invitation; 422 IDEMPOTENCY_KEY_REUSED', async () => {
    const first = await issue({ customerId: 'IB0100' });
    expect(first.status).toBe(201);
    const again = await issue({ customerId: 'IB0100' });
    expectProblem(again, 409, 'ALREADY_INVITED');
    expect((again.json as unknown as Record<string, unknown>).invitationId).toBe(first.json.id);

    const headers = { 'idempotency-key': 'reuse-1' };
    const a = await cloud.call('POST', '/v1/invitations', {
      body: cloud.invitationBody({ customerId: 'IB0101' }),
      headers,
    });
    expect(a.status).toBe(201);
    const b = await cloud.call('POST', '/v1/invitations', {
      body: cloud.invitationBody({ customerId: 'IB0102' }),
      headers,
    });
    expectProblem(b, 422, 'IDEMPOTENCY_KEY_REUSED');
  });

  it('404 INVITATION_NOT_FOUND and 403 INVALID_LINK for a tampered or expired link', async () => {
    const missing = await cloud.call('GET', '/v1/invitations/inv_01JZZZZZZZZZZZZZZZZZZZZZZZ');
    expectProblem(missing, 404, 'INVITATION_NOT_FOUND');
    const made = await issue({ customerId: 'IB0103' });
    const link = new URL(made.json.qr.png);
    const good = await cloud.call('GET', link.pathname + link.search, { key: null });
    expect(good.status).toBe(200);
    const sig = link.searchParams.get('sig')!;
    const tampered = new URL(link);
    tampered.searchParams.set('sig', (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1));
    const bad = await cloud.call('GET', tampered.pathname + tampered.search, { key: null });
    expectProblem(bad, 403, 'INVALID_LINK');
    const longer = new URL(link);
    longer.searchParams.set('exp', String(Number(link.searchParams.get('exp')) + 3600));
    expectProblem(
      await cloud.call('GET', longer.pathname + longer.search, { key: null }),
      403,
      'INVALID_LINK',
    );
    const other = made.json.qr.svg.replace(/qr\.svg/, 'qr.png');
    const swapped = new URL(other);
    expectProblem(
      await cloud.call('GET', swapped.pathname + swapped.search, { key: null }),
      403,
      'INVALID_LINK',
    );
    expectProblem(await cloud.call('GET', link.pathname, { key: null }), 401, 'UNAUTHORIZED');
  });
});

describe('enrolment refusals', () => {
  const publicKey = { kty: 'OKP', crv: 'Ed25519', x: 'A'.repeat(43) };

  it('401 ENROLLMENT_TOKEN_INVALID, 409 ENROLLMENT_TOKEN_USED, 422 UNKNOWN_LOUNGE', async () => {
    const unknown = await cloud.call('POST', '/v1/devices/enroll', {
      body: { publicKey },
      key: 'let_nope_nope',
    });
    expectProblem(unknown, 401, 'ENROLLMENT_TOKEN_INVALID');
    expectProblem(
      await cloud.call('POST', '/v1/enrollment-tokens', { body: { loungeId: 'MAD-NOWHERE' } }),
      422,
      'UNKNOWN_LOUNGE',
    );
    const made = await cloud.call('POST', '/v1/enrollment-tokens', {
      body: { loungeId: 'MAD-T4S-VELAZQUEZ', ttlSeconds: 60 },
    });
    expect(made.status).toBe(201);
    const token = made.json.token as string;
    const first = await cloud.call('POST', '/v1/devices/enroll', {
      body: { publicKey },
      key: token,
    });
    expect(first.status).toBe(201);
    const second = await cloud.call('POST', '/v1/devices/enroll', {
      body: { publicKey },
      key: token,
    });
    expectProblem(second, 409, 'ENROLLMENT_TOKEN_USED');

    const short = await cloud.call('POST', '/v1/enrollment-tokens', {
      body: { loungeId: 'MAD-T4S-VELAZQUEZ', ttlSeconds: 60 },
    });
    cloud.clock.advance(61_000);
    const expired = await cloud.call('POST', '/v1/devices/enroll', {
      body: { publicKey },
      key: short.json.token as string,
    });
    expectProblem(expired, 401, 'ENROLLMENT_TOKEN_INVALID');
    const badKey = await cloud.call('POST', '/v1/enrollment-tokens', {
      body: { loungeId: 'MAD-T4S-VELAZQUEZ' },
    });
    const notEd25519 = await cloud.call('POST', '/v1/devices/enroll', {
      body: { publicKey: { kty: 'EC', crv: 'P-256', x: 'abc' } },
      key: badKey.json.token as string,
    });
    expectProblem(notEd25519, 400, 'INVALID_REQUEST');
    expect(notEd25519.json.detail).toContain('publicKey');
  });
});

describe('rate limit', () => {
  it('429 RATE_LIMITED with Retry-After once the burst (2x) is spent; refills with time', async () => {
    const limited = await makeCloud({ rateLimit: 2 });
    try {
      const get = () => limited.call('GET', '/v1/revocations', { key: limited.admin });
      for (let i = 0; i < 4; i++) expect((await get()).status).toBe(200);
      const refused = await get();
      expectProblem(refused, 429, 'RATE_LIMITED');
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      // Another key has its own bucket.
      const other = await limited.call('GET', '/v1/invitations?customerId=IB0001', {
        key: limited.appKey,
      });
      expect(other.status).toBe(200);
      limited.clock.advance(1000);
      expect((await get()).status).toBe(200);
    } finally {
      await limited.close();
    }
  });
});
