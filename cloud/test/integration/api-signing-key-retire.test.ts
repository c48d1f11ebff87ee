import { TOPICS } from '@lounge/shared';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KEYS_MESSAGE_DELAY_MS } from '../../src/domain/key-ring.ts';
import type { InvitationView } from '../../src/domain/views.ts';
import { device, invitation } from '../contract/fixtures.ts';
import { LOUNGE, makeCloud, type TestCloud } from './harness.ts';

// SPEC.md 5, `POST /v1/signing-keys/:kid/retire`: a leaked key leaves the JWKS at once, the
// edges are told, and every active invitation it signed is re-signed (same claims and jti).
let cloud: TestCloud;
beforeEach(async () => {
  cloud = await makeCloud();
});
afterEach(() => cloud.close());

interface Retirement {
  kid: string;
  retiredAt: string;
  reissued: number;
  staleDevices: { deviceId: string; online: boolean; lastSeenAt: string | null }[];
}

const retire = (kid: string, reason = 'private key leaked', key?: string) =>
  cloud.call<Retirement & { code?: string }>('POST', `/v1/signing-keys/${kid}/retire`, {
    body: { reason },
    ...(key && { key }),
  });
const issue = async (customerId: string) => {
  const res = await cloud.call<InvitationView>('POST', '/v1/invitations', {
    body: cloud.invitationBody({ customerId }),
    key: cloud.appKey,
  });
  expect(res.status).toBe(201);
  return res.json;
};
const jwksKids = async () =>
  (
    await cloud.call<{ keys: { kid: string }[] }>('GET', '/.well-known/jwks.json', { key: null })
  ).json.keys.map((k) => k.kid);
const validate = async (code: string) =>
  (
    await cloud.call<{ reason: string }>('POST', '/v1/validate', {
      body: { code, loungeId: LOUNGE },
    })
  ).json.reason;
const png = async (id: string) =>
  new Uint8Array(await (await cloud.app.request(pngPath(id), auth())).arrayBuffer());
const pngPath = (id: string) => `/v1/invitations/${id}/qr.png`;
const auth = () => ({ headers: { authorization: `Bearer ${cloud.admin}` } });

/** Runs the dispatcher until the outbox is empty (the keys message waits 1 s). */
async function drainOutbox(): Promise<void> {
  cloud.clock.advance(KEYS_MESSAGE_DELAY_MS);
  cloud.dispatcher.start();
  cloud.dispatcher.notify();
  for (let i = 0; i < 300; i++) {
    const backlog = await cloud.store.outboxBacklog();
    if (backlog.crm + backlog.ibdp + backlog.mqtt === 0) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('outbox did not drain');
}

describe('retiring the signing key', () => {
  it('promotes the standby, publishes a new one, and re-signs every active invitation', async () => {
    const [signing, standby] = [(await cloud.keys.current()).kid, await jwksKids()];
    expect(standby).toHaveLength(2);
    const active = [await issue('IB0701'), await issue('IB0702'), await issue('IB0703')];
    const revoked = await issue('IB0704');
    await cloud.call('POST', `/v1/invitations/${revoked.id}/revoke`, { body: { reason: 'x' } });
    // An expired one and a used-up one it also signed (their tokens are never read).
    const now = cloud.clock.now();
    const expired = invitation({ kid: signing, validUntil: now - 1, flightNumber: 'IB1' });
    const usedUp = invitation({ kid: signing, status: 'used', entriesUsed: 1, usedAt: now });
    for (const inv of [expired, usedUp]) await cloud.store.insertInvitation(inv, [], now);
    const oldPng = await png(active[0]!.id);
    expect(await validate(active[0]!.token)).toBe('OK');
    await drainOutbox();
    const crmBefore = cloud.stub.crm.events.length;

    const res = await retire(signing);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      kid: signing,
      retiredAt: new Date(cloud.clock.now()).toISOString(),
      reissued: 3,
      staleDevices: [],
    });

    // Out of the JWKS at once; the standby signs; a new standby is published.
    const kids = await jwksKids();
    expect(kids).not.toContain(signing);
    const promoted = (await cloud.keys.current()).kid;
    expect(standby).toContain(promoted);
    expect(kids).toHaveLength(2);
    expect(kids).toContain(promoted);
    // The cloud's own validation refuses the old code at once.
    expect(await validate(active[0]!.token)).toBe('UNKNOWN_KEY');

    for (const before of active) {
      const after = (await cloud.call<InvitationView>('GET', `/v1/invitations/${before.id}`)).json;
      expect(after.token).not.toBe(before.token);
      expect(decodeProtectedHeader(after.token)).toEqual({ alg: 'EdDSA', kid: promoted });
      expect(decodeJwt(after.token)).toEqual(decodeJwt(before.token)); // same claims and jti
      expect(after).toMatchObject({ id: before.id, status: 'issued', qr: before.qr });
      expect(await validate(after.token)).toBe('OK');
    }
    expect(await png(active[0]!.id)).not.toEqual(oldPng);
    for (const untouched of [revoked, expired, usedUp]) {
      expect((await cloud.store.findInvitation(untouched.id))!.kid).toBe(signing);
    }

    await drainOutbox();
    const reissued = cloud.stub.crm.events.slice(crmBefore);
    expect(reissued.map((e) => [e.type, e.invitationId]).sort()).toEqual(
      active.map((a) => ['vip-invitation.reissued', a.id]).sort(),
    );
    for (const e of reissued) {
      const view = active.find((a) => a.id === e.invitationId)!;
      expect(e.qr).toEqual(view.qr); // the links, never the image; they serve the new QR
      expect(e).toMatchObject({ customerId: view.customerId, validUntil: view.validUntil });
    }
    const changes = cloud.stub.ibdp
      .records('invitations')
      .filter((r) => (r as { change?: string }).change === 'reissued');
    expect(changes).toHaveLength(3);
    expect(changes[0]).toMatchObject({ kid: promoted, previousKid: signing });
    const keysMessage = cloud.publisher.messages.filter((m) => m.topic === TOPICS.keys).at(-1)!;
    expect(keysMessage.retain).toBe(true);
    expect(JSON.parse(keysMessage.payload)).toMatchObject({ kids, retired: [signing] });

    // Idempotent: the same answer, nothing re-signed or sent again, the key set unchanged.
    cloud.clock.advance(60_000);
    const again = await retire(signing, 'again');
    expect(again.json).toEqual(res.json);
    expect(await jwksKids()).toEqual(kids);
    await drainOutbox();
    expect(cloud.stub.crm.events.length).toBe(crmBefore + 3);
  });

  it('retiring the standby publishes a new standby and leaves the signing key signing', async () => {
    const signing = (await cloud.keys.current()).kid;
    const standby = (await jwksKids()).find((k) => k !== signing)!;
    const res = await retire(standby);
    expect(res.json).toMatchObject({ kid: standby, reissued: 0 });
    expect((await cloud.keys.current()).kid).toBe(signing);
    const kids = await jwksKids();
    expect(kids).toHaveLength(2);
    expect(kids).toContain(signing);
    expect(kids).not.toContain(standby);
  });

  it('lists the boxes that may still trust the key: offline or silent for 3 minutes', async () => {
    const now = cloud.clock.now();
    const token = { hash: 'x', loungeId: LOUNGE, expiresAt: now + 60_000, createdAt: now };
    const boxes = { online: device(), silent: device(), offline: device(), gone: device() };
    for (const [name, d] of Object.entries(boxes)) {
      const id = `enr_${name}`;
      await cloud.store.insertEnrollmentToken({ ...token, id, usedAt: null, usedByDevice: null });
      await cloud.store.enrollDevice(id, d, now);
    }
    const status = cloud.store.updateDeviceStatus.bind(cloud.store);
    await status(boxes.online.deviceId, { online: true, lastSeenAt: now - 60_000 });
    await status(boxes.silent.deviceId, { online: true, lastSeenAt: now - 3 * 60_000 });
    await status(boxes.offline.deviceId, { online: false, lastSeenAt: now - 1000 });
    await cloud.store.decommissionDevice(boxes.gone.deviceId, now);
    const res = await retire((await cloud.keys.current()).kid);
    const stale = res.json.staleDevices.map((d) => d.deviceId).sort();
    expect(stale).toEqual([boxes.silent.deviceId, boxes.offline.deviceId].sort());
    expect(res.json.staleDevices.find((d) => d.deviceId === boxes.offline.deviceId)).toEqual({
      deviceId: boxes.offline.deviceId,
      loungeId: LOUNGE,
      online: false,
      lastSeenAt: new Date(now - 1000).toISOString(),
    });
  });

  it('answers 404 for an unknown kid and 403 to an app key', async () => {
    const unknown = await retire('nokey123');
    expect(unknown.status).toBe(404);
    expect(unknown.json.code).toBe('SIGNING_KEY_NOT_FOUND');
    const kid = (await cloud.keys.current()).kid;
    expect((await retire(kid, 'x', cloud.appKey)).status).toBe(403);
    const noReason = await cloud.call('POST', `/v1/signing-keys/${kid}/retire`, { body: {} });
    expect(noReason.status).toBe(400);
    expect((await cloud.keys.current()).kid).toBe(kid);
  });
});
