import { generateKeyPairSync } from 'node:crypto';
import { createDeviceAssertion, newEventId, type Ed25519PrivateJwk } from '@lounge/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Enrollment } from '../../src/domain/enroll-device.ts';
import type { InvitationView } from '../../src/domain/views.ts';
import { LOUNGE, makeCloud, PUBLIC_URL, type TestCloud } from './harness.ts';

let cloud: TestCloud;
beforeAll(async () => {
  cloud = await makeCloud();
});
afterAll(() => cloud.close());

function deviceKey(): { privateJwk: Ed25519PrivateJwk; publicKey: object } {
  const { privateKey } = generateKeyPairSync('ed25519');
  const privateJwk = privateKey.export({ format: 'jwk' }) as Ed25519PrivateJwk;
  const { d: _d, ...publicKey } = privateJwk;
  return { privateJwk, publicKey };
}

async function enroll(): Promise<Enrollment & { privateJwk: Ed25519PrivateJwk }> {
  const token = await cloud.call<{ token: string }>('POST', '/v1/enrollment-tokens', {
    body: { loungeId: LOUNGE },
  });
  const { privateJwk, publicKey } = deviceKey();
  const res = await cloud.call<Enrollment>('POST', '/v1/devices/enroll', {
    body: { publicKey, name: 'gate box', hardware: 'rpi4' },
    key: token.json.token,
  });
  expect(res.status).toBe(201);
  return { ...res.json, privateJwk };
}

const assertion = (deviceId: string, privateKey: Ed25519PrivateJwk) =>
  createDeviceAssertion({ deviceId, privateKey, audience: PUBLIC_URL, nowMs: cloud.clock.now() });

describe('devices', () => {
  it('enrols a device with everything it needs to run', async () => {
    const device = await enroll();
    expect(device).toMatchObject({
      loungeId: LOUNGE,
      cloudUrl: PUBLIC_URL,
      issuer: PUBLIC_URL,
      mqtt: { url: 'mqtt://cloud.test:1883', username: device.deviceId },
      ibdp: { url: 'http://ibdp.test', token: 'ibdp-token' },
    });
    expect(device.deviceId).toMatch(/^dev_/);
    expect(device.mqtt.password.length).toBeGreaterThanOrEqual(20);
    expect(device.jwks.keys.length).toBeGreaterThan(0);
    const stored = await cloud.store.findDevice(device.deviceId);
    expect(stored!.mqttPasswordHash).not.toContain(device.mqtt.password);
  });

  it('authenticates device assertions, refuses replays, tracks lastSeenAt', async () => {
    const device = await enroll();
    const jwt = await assertion(device.deviceId, device.privateJwk);
    cloud.clock.advance(1000);
    const feed = await cloud.call('GET', '/v1/revocations?after=0', { key: jwt });
    expect(feed.status).toBe(200);
    const replay = await cloud.call('GET', '/v1/revocations?after=0', { key: jwt });
    expect(replay.json.code).toBe('UNAUTHORIZED');
    const stored = await cloud.store.findDevice(device.deviceId);
    expect(stored!.lastSeenAt).toBe(cloud.clock.now());
    const other = deviceKey();
    const forged = await assertion(device.deviceId, other.privateJwk);
    expect((await cloud.call('GET', '/v1/revocations', { key: forged })).status).toBe(401);
    // Admin-only routes stay closed to devices.
    const fleet = await cloud.call('GET', '/v1/devices', {
      key: await assertion(device.deviceId, device.privateJwk),
    });
    expect(fleet.json.code).toBe('FORBIDDEN');
  });

  it('validates codes with the shared decision and records entries idempotently', async () => {
    const device = await enroll();
    const inv = await cloud.call<InvitationView>('POST', '/v1/invitations', {
      body: cloud.invitationBody({ customerId: 'IB0600', guests: 1 }),
    });
    const code = inv.json.token;
    const validate = async (body: object) =>
      cloud.call<{ decision: string; reason: string; admit: number; dryRun?: boolean }>(
        'POST',
        '/v1/validate',
        {
          body: { code, loungeId: LOUNGE, ...body },
          key: await assertion(device.deviceId, device.privateJwk),
        },
      );
    // The stub flight departs within 3 h, so the token is valid now.
    const dry = await validate({});
    expect(dry.json).toMatchObject({ decision: 'grant', reason: 'OK', admit: 2, dryRun: true });
    const elsewhere = await cloud.call('POST', '/v1/validate', {
      body: { code, loungeId: 'BCN-T1-PUENTE' },
    });
    expect(elsewhere.json.reason).toBe('WRONG_LOUNGE');
    // A device only decides for its own lounge.
    expect((await validate({ loungeId: 'BCN-T1-PUENTE' })).json).toMatchObject({
      code: 'FORBIDDEN',
    });
    const consumed = await validate({ consume: true });
    expect(consumed.json).toMatchObject({ decision: 'grant', entriesLeft: 0 });
    expect(consumed.json.dryRun).toBeUndefined();
    expect((await validate({})).json.reason).toBe('ALREADY_USED');
    const tampered = await cloud.call('POST', '/v1/validate', {
      body: { code: code.slice(0, -3) + 'AAA', loungeId: LOUNGE },
    });
    expect(tampered.json.reason).toBe('BAD_SIGNATURE');
    expect((await cloud.call('GET', `/v1/invitations/${inv.json.id}`)).json.status).toBe('used');

    const other = await cloud.call<InvitationView>('POST', '/v1/invitations', {
      body: cloud.invitationBody({ customerId: 'IB0601' }),
    });
    const entry = {
      type: 'grant',
      eventId: newEventId(),
      deviceId: device.deviceId,
      gate: 'gate1',
      at: new Date(cloud.clock.now()).toISOString(),
      invitationId: other.json.id,
      admit: 2,
      reason: 'OK',
    };
    const post = async (events: object[]) =>
      cloud.call('POST', '/v1/entries', {
        body: { events },
        key: await assertion(device.deviceId, device.privateJwk),
      });
    const first = await post([entry]);
    expect(first.json).toEqual({ accepted: [entry.eventId], refused: [] });
    const unknown = {
      ...entry,
      eventId: newEventId(),
      invitationId: 'inv_01JZZZZZZZZZZZZZZZZZZZZZZZ',
    };
    const again = await post([entry, unknown]);
    expect(again.json).toEqual({
      accepted: [entry.eventId],
      refused: [{ eventId: unknown.eventId, code: 'UNKNOWN_INVITATION' }],
    });
    const got = await cloud.call<InvitationView>('GET', `/v1/invitations/${other.json.id}`);
    expect(got.json.status).toBe('used');
    expect((await cloud.call('POST', '/v1/revocations', {})).status).toBe(404);
  });

  it('rotates a device key with the current key, and decommissions (admin or itself)', async () => {
    const device = await enroll();
    const next = deviceKey();
    const rotate = await cloud.call('POST', `/v1/devices/${device.deviceId}/key`, {
      body: { publicKey: next.publicKey },
      key: await assertion(device.deviceId, device.privateJwk),
    });
    expect(rotate.status).toBe(200);
    const old = await cloud.call('GET', '/v1/revocations', {
      key: await assertion(device.deviceId, device.privateJwk),
    });
    expect(old.status).toBe(401);
    const other = await enroll();
    const notSelf = await cloud.call('POST', `/v1/devices/${device.deviceId}/decommission`, {
      key: await assertion(other.deviceId, other.privateJwk),
    });
    expect(notSelf.json.code).toBe('FORBIDDEN');
    const self = await cloud.call<{ decommissionedAt: string | null }>(
      'POST',
      `/v1/devices/${device.deviceId}/decommission`,
      { key: await assertion(device.deviceId, next.privateJwk) },
    );
    expect(self.status).toBe(200);
    expect(self.json.decommissionedAt).not.toBeNull();
    const refused = await cloud.call('GET', '/v1/revocations', {
      key: await assertion(device.deviceId, next.privateJwk),
    });
    expect({ status: refused.status, code: refused.json.code }).toEqual({
      status: 401,
      code: 'DEVICE_DECOMMISSIONED',
    });
    const byAdmin = await cloud.call('POST', `/v1/devices/${other.deviceId}/decommission`);
    expect(byAdmin.status).toBe(200);
    const fleet = await cloud.call<{
      devices: { deviceId: string; decommissionedAt: string | null }[];
    }>('GET', '/v1/devices');
    const listed = fleet.json.devices.find((d) => d.deviceId === other.deviceId);
    expect(listed!.decommissionedAt).not.toBeNull();
    expect(
      (await cloud.call('POST', '/v1/devices/dev_01JZZZZZZZZZZZZZZZZZZZZZZZ/decommission')).status,
    ).toBe(404);
  });

  it('admin routes: API keys and lounges', async () => {
    const key = await cloud.call<{ key: string; role: string }>('POST', '/v1/api-keys', {
      body: { role: 'app', name: 'mobile app' },
    });
    expect(key.status).toBe(201);
    expect(key.json.role).toBe('app');
    const use = await cloud.call('GET', '/v1/invitations?customerId=IB0001', { key: key.json.key });
    expect(use.status).toBe(200);
    const lounge = await cloud.call('PUT', '/v1/lounges/BCN-T1-PUENTE', {
      body: { airport: 'BCN', name: 'Puente Aéreo', timezone: 'Europe/Madrid' },
    });
    expect(lounge.json).toEqual({
      id: 'BCN-T1-PUENTE',
      airport: 'BCN',
      name: 'Puente Aéreo',
      timezone: 'Europe/Madrid',
      capacity: null,
      hours: null,
      updatedAt: new Date(cloud.clock.now()).toISOString(),
    });
    const mismatch = await cloud.call('PUT', '/v1/lounges/BCN-T1-PUENTE', {
      body: { airport: 'MAD', name: 'x', timezone: 'Europe/Madrid' },
    });
    expect(mismatch.json.code).toBe('INVALID_REQUEST');
    const tz = await cloud.call('PUT', '/v1/lounges/BCN-T1-PUENTE', {
      body: { airport: 'BCN', name: 'x', timezone: 'Mars/Olympus' },
    });
    expect(tz.json.detail).toContain('timezone');
  });
});
