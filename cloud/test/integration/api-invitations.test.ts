import { TOPICS, verifyToken } from '@lounge/shared';
import { decodeProtectedHeader, importJWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { utcDate } from '@lounge/test-helpers/dates';
import { KEYS_MESSAGE_DELAY_MS } from '../../src/domain/key-ring.ts';
import type { InvitationView } from '../../src/domain/views.ts';
import { LOUNGE, makeCloud, PUBLIC_URL, type TestCloud } from './harness.ts';

let cloud: TestCloud;
beforeAll(async () => {
  cloud = await makeCloud();
});
afterAll(() => cloud.close());

/** Runs the dispatcher until the outbox is empty. */
async function drainOutbox(): Promise<void> {
  // The keys message waits until every instance serves the new set.
  cloud.clock.advance(KEYS_MESSAGE_DELAY_MS);
  cloud.dispatcher.start();
  cloud.dispatcher.notify();
  for (let i = 0; i < 200; i++) {
    const backlog = await cloud.store.outboxBacklog();
    if (backlog.crm + backlog.ibdp + backlog.mqtt === 0) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('outbox did not drain');
}

/** Issues an invitation for `customerId` (2 guests) and returns its view. */
async function issue(customerId: string): Promise<InvitationView> {
  const res = await cloud.call<InvitationView>('POST', '/v1/invitations', {
    body: cloud.invitationBody({ customerId, guests: 2 }),
    key: cloud.appKey,
  });
  expect(res.status).toBe(201);
  return res.json;
}

/** The token's claims, verified with the key the JWKS serves under its kid. */
async function claimsOf(inv: InvitationView) {
  const jwks = await cloud.call<{ keys: { kid: string }[] }>('GET', '/.well-known/jwks.json', {
    key: null,
  });
  const kid = (decodeProtectedHeader(inv.token) as { kid: string }).kid;
  const jwk = jwks.json.keys.find((k) => k.kid === kid);
  const key = await importJWK(jwk as Parameters<typeof importJWK>[0], 'EdDSA');
  const verified = await verifyToken(inv.token, () => key as never);
  if (!verified.ok) throw new Error(verified.detail);
  return verified.claims;
}

describe('issuance', () => {
  it('answers 201 with an issued invitation for the customer and lounge asked', async () => {
    const inv = await issue('IB0200');
    expect(inv).toMatchObject({ status: 'issued', customerId: 'IB0200', loungeId: LOUNGE });
    expect(inv.id).toMatch(/^inv_[0-9A-Z]{26}$/);
  });

  it('signs the claims of SPEC.md 4 with a key the JWKS serves', async () => {
    const inv = await issue('IB0201');
    const claims = await claimsOf(inv);
    expect(claims).toMatchObject({ iss: PUBLIC_URL, jti: inv.id, aud: LOUNGE, gst: 2, ent: 1 });
    expect(claims.sub).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const jwks = await cloud.call('GET', '/.well-known/jwks.json', { key: null });
    expect(jwks.headers.get('cache-control')).toBe('public, max-age=5');
  });

  it('keeps the customer id out of the token', async () => {
    const inv = await issue('IB0202');
    expect(inv.token).not.toContain('IB0202');
    expect(JSON.stringify(await claimsOf(inv))).not.toContain('IB0202');
  });

  it('opens 4 h before departure and closes 30 min after; the QR expires with it', async () => {
    const inv = await issue('IB0203');
    const claims = await claimsOf(inv);
    const departure = Date.parse(inv.flight.departureTime) / 1000;
    expect(claims.nbf).toBe(departure - 4 * 3600);
    expect(claims.exp).toBe(departure + 30 * 60);
    expect(inv.validUntil).toBe(new Date(claims.exp * 1000).toISOString());
    expect(inv.qr.expiresAt).toBe(inv.validUntil);
  });

  it('serves the stored QR as PNG and SVG through its signed links, and with the API key', async () => {
    const inv = await issue('IB0204');
    const link = new URL(inv.qr.png);
    const png = await cloud.app.request(link.pathname + link.search);
    expect(png.headers.get('content-type')).toBe('image/png');
    expect(png.headers.get('cache-control')).toBe('private, max-age=300');
    const bytes = new Uint8Array(await png.arrayBuffer());
    expect([...bytes.slice(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const svgLink = new URL(inv.qr.svg);
    const svg = await cloud.app.request(svgLink.pathname + svgLink.search);
    expect(await svg.text()).toContain('<svg');
    const withKey = await cloud.call('GET', `/v1/invitations/${inv.id}/qr.png`);
    expect(withKey.status).toBe(200);
  });

  it('reads the invitation back as issued, never cached', async () => {
    const inv = await issue('IB0205');
    const got = await cloud.call<InvitationView>('GET', `/v1/invitations/${inv.id}`);
    expect(got.headers.get('cache-control')).toBe('no-store');
    expect({ ...got.json, qr: undefined }).toEqual({ ...inv, qr: undefined });
  });

  it('20 concurrent requests with one Idempotency-Key make one invitation and one answer', async () => {
    const body = cloud.invitationBody({ customerId: 'IB0300' });
    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        cloud.call('POST', '/v1/invitations', {
          body,
          key: cloud.appKey,
          headers: { 'idempotency-key': 'concurrent-1' },
        }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(201));
    expect(new Set(answers.map((a) => a.text)).size).toBe(1);
    const page = await cloud.store.listInvitations('IB0300', 10, null);
    expect(page.items).toHaveLength(1);
    // Key order does not matter: the same request, the same answer.
    const { customerId, loungeId, flight, guests } = body;
    const reordered = await cloud.call('POST', '/v1/invitations', {
      body: { guests, flight, loungeId, customerId },
      key: cloud.appKey,
      headers: { 'idempotency-key': 'concurrent-1' },
    });
    expect(reordered.text).toBe(answers[0]!.text);
  });

  it('lists a customer’s invitations newest first, paged', async () => {
    for (const n of ['IB0401', 'IB0402', 'IB0403']) {
      const flight = { number: n.replace('IB0', 'IB'), date: utcDate() };
      const r = await cloud.call('POST', '/v1/invitations', {
        body: cloud.invitationBody({ customerId: 'IB0400', flight }),
      });
      expect(r.status).toBe(201);
      cloud.clock.advance(5);
    }
    const first = await cloud.call<{ items: InvitationView[]; nextCursor: string | null }>(
      'GET',
      '/v1/invitations?customerId=IB0400&limit=2',
    );
    expect(first.json.items.map((i) => i.flight.number)).toEqual(['IB403', 'IB402']);
    const rest = await cloud.call<{ items: InvitationView[]; nextCursor: string | null }>(
      'GET',
      `/v1/invitations?customerId=IB0400&limit=2&cursor=${encodeURIComponent(first.json.nextCursor!)}`,
    );
    expect(rest.json.items.map((i) => i.flight.number)).toEqual(['IB401']);
    expect(rest.json.nextCursor).toBeNull();
  });
});

describe('revocation and the outbox', () => {
  it('revokes idempotently, feeds the catch-up route and delivers every outbox event', async () => {
    const made = await cloud.call<InvitationView>('POST', '/v1/invitations', {
      body: cloud.invitationBody({ customerId: 'IB0500' }),
    });
    const id = made.json.id;
    const first = await cloud.call<{ revocation: { seq: number }; status: string }>(
      'POST',
      `/v1/invitations/${id}/revoke`,
      { body: { reason: 'customer cancelled' } },
    );
    expect(first.status).toBe(200);
    expect(first.json.status).toBe('revoked');
    const again = await cloud.call<{ revocation: { seq: number } }>(
      'POST',
      `/v1/invitations/${id}/revoke`,
      { body: { reason: 'twice' } },
    );
    expect(again.json.revocation).toEqual(first.json.revocation);
    const seq = first.json.revocation.seq;
    const feed = await cloud.call<{
      entries: { seq: number; invitationId: string }[];
      lastSeq: number;
    }>('GET', `/v1/revocations?after=${seq - 1}`);
    expect(feed.json.entries).toEqual([
      expect.objectContaining({ seq, invitationId: id, reason: 'customer cancelled' }),
    ]);
    expect(feed.json.lastSeq).toBe(seq);

    await drainOutbox();
    const crm = cloud.stub.crm.events.filter((e) => e.invitationId === id);
    expect(crm.map((e) => e.type)).toEqual(['vip-invitation.issued', 'vip-invitation.revoked']);
    expect(crm[0]!.qr.png).toMatch(/\/qr\.png\?exp=\d+&sig=/);
    expect(JSON.stringify(crm)).not.toContain('base64');
    const records = cloud.stub.ibdp
      .records('invitations')
      .filter((r) => (r as { invitationId?: string }).invitationId === id);
    expect(records.map((r) => (r as { change: string }).change)).toEqual(['issued', 'revoked']);
    const mqtt = cloud.publisher.messages;
    const revocation = mqtt.find((m) => m.topic === TOPICS.revocations);
    expect(JSON.parse(revocation!.payload)).toMatchObject({ seq, invitationId: id });
    expect(revocation!.retain).toBe(false);
    const head = mqtt.filter((m) => m.topic === TOPICS.revocationsHead).at(-1);
    expect(head).toMatchObject({ retain: true });
    expect(JSON.parse(head!.payload)).toEqual({ seq });
    expect(cloud.notified()).toBeGreaterThan(0);
  });

  it('rotating promotes the standby at once and publishes a new standby (SPEC.md 4)', async () => {
    const before = (await cloud.keys.jwks()).keys.map((k) => k.kid);
    const signing = (await cloud.keys.current()).kid;
    expect(before).toHaveLength(2); // the signing key and its standby
    const { kid, activatesAt, standby } = await cloud.keys.rotate();
    // The standby was published long before: a box that was offline already trusts it.
    expect(before).toEqual(expect.arrayContaining([signing, kid]));
    expect(kid).not.toBe(signing);
    expect(activatesAt).toBe(cloud.clock.now());
    expect((await cloud.keys.current()).kid).toBe(kid);
    const after = (await cloud.keys.jwks()).keys.map((k) => k.kid);
    expect(after).toEqual([standby, kid, signing]); // the old key signed tokens: it stays
    await drainOutbox();
    const keys = cloud.publisher.messages.filter((m) => m.topic === TOPICS.keys).at(-1);
    expect(keys!.retain).toBe(true);
    expect(JSON.parse(keys!.payload)).toMatchObject({ kids: after, retired: [] });
  });
});

describe('public routes', () => {
  it('/readyz shows each outbox lane: backlog, oldest age and the error holding it back', async () => {
    // A cloud of its own whose dispatcher never runs: the rows stay where the test puts them.
    const cloud = await makeCloud();
    onTestFinished(() => cloud.close());
    const issued = await cloud.call('POST', '/v1/invitations', {
      body: cloud.invitationBody({ customerId: 'IB0201' }),
      key: cloud.appKey,
    });
    expect(issued.status).toBe(201);
    const before = (await cloud.store.outboxLanes()).crm.pending;
    expect(before).toBeGreaterThan(0);
    const now = cloud.clock.now();
    const [head] = await cloud.store.claimOutbox('test', now, 1, 60_000, ['crm']);
    await cloud.store.markOutboxFailed(head!.id, 'test', 'HTTP 404', now + 30_000);
    cloud.clock.advance(90_000);
    const ready = await cloud.call<{ outbox: Record<string, Record<string, unknown>> }>(
      'GET',
      '/readyz',
      { key: null },
    );
    expect(ready.status).toBe(200);
    expect(Object.keys(ready.json.outbox).sort()).toEqual(['crm', 'ibdp', 'mqtt']);
    expect(ready.json.outbox.crm).toMatchObject({
      pending: before,
      oldestPendingAt: expect.any(String),
      lastError: {
        detail: 'HTTP 404',
        attempts: head!.attempts + 1,
        nextAttemptAt: new Date(now + 30_000).toISOString(),
      },
    });
    expect(ready.json.outbox.crm!.oldestPendingAgeSeconds).toBeGreaterThanOrEqual(90);
    const metrics = await cloud.call('GET', '/metrics', { key: null });
    expect(metrics.text).toMatch(
      /^lounge_outbox_oldest_pending_age_seconds\{kind="crm"\} (9\d|\d{3,})/m,
    );
    expect(metrics.text).toContain(
      `lounge_outbox_failing_attempts{kind="crm"} ${head!.attempts + 1}`,
    );
    expect(metrics.text).toContain('lounge_outbox_failing_attempts{kind="mqtt"} 0');
  });

  it('serves /healthz, /readyz, /metrics and /openapi.json', async () => {
    expect((await cloud.call('GET', '/healthz', { key: null })).json).toEqual({ status: 'ok' });
    expect((await cloud.call('GET', '/readyz', { key: null })).status).toBe(200);
    cloud.publisher.failing = true;
    const down = await cloud.call('GET', '/readyz', { key: null });
    expect(down.status).toBe(503);
    expect(down.json.code).toBe('NOT_READY');
    cloud.publisher.failing = false;
    const metrics = await cloud.call('GET', '/metrics', { key: null });
    expect(metrics.text).toContain(
      'lounge_http_requests_total{method="POST",route="/v1/invitations",status="201"}',
    );
    expect(metrics.text).toMatch(/lounge_invitations_issuance_total\{code="OK"\} \d+/);
    expect(metrics.text).toContain('lounge_outbox_backlog{kind="crm"}');
    expect(metrics.text).toContain('lounge_http_request_duration_seconds_bucket');
    const doc = await cloud.call<{ paths: Record<string, unknown> }>('GET', '/openapi.json', {
      key: null,
    });
    expect(Object.keys(doc.json.paths)).toEqual(
      expect.arrayContaining([
        '/v1/invitations',
        '/v1/invitations/{id}',
        '/v1/invitations/{id}/qr.png',
        '/v1/invitations/{id}/revoke',
        '/v1/revocations',
        '/v1/validate',
        '/v1/entries',
        '/v1/api-keys',
        '/v1/lounges/{id}',
        '/v1/enrollment-tokens',
        '/v1/devices',
        '/v1/devices/enroll',
        '/v1/devices/{id}/decommission',
        '/.well-known/jwks.json',
      ]),
    );
  });
});
