import { generateKeyPairSync } from 'node:crypto';
import { createDeviceAssertion, TOPICS, type Ed25519PrivateJwk } from '@lounge/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Enrollment } from '../../src/domain/enroll-device.ts';
import { KEYS_MESSAGE_DELAY_MS } from '../../src/domain/key-ring.ts';
import { LOUNGE, makeCloud, PUBLIC_URL, type TestCloud } from './harness.ts';

let cloud: TestCloud;
beforeAll(async () => {
  cloud = await makeCloud();
});
afterAll(() => cloud.close());

async function drainOutbox(): Promise<void> {
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

async function enroll(loungeId: string): Promise<Enrollment & { privateJwk: Ed25519PrivateJwk }> {
  const token = await cloud.call<{ token: string }>('POST', '/v1/enrollment-tokens', {
    body: { loungeId },
  });
  const { privateKey } = generateKeyPairSync('ed25519');
  const privateJwk = privateKey.export({ format: 'jwk' }) as Ed25519PrivateJwk;
  const { d: _d, ...publicKey } = privateJwk;
  const res = await cloud.call<Enrollment>('POST', '/v1/devices/enroll', {
    body: { publicKey },
    key: token.json.token,
  });
  expect(res.status).toBe(201);
  return { ...res.json, privateJwk };
}

const body = { airport: 'MAD', name: 'Velázquez', timezone: 'Europe/Madrid' };

describe('lounges: capacity and opening hours', () => {
  it('stores capacity and hours, lists and reads them back', async () => {
    const put = await cloud.call('PUT', `/v1/lounges/${LOUNGE}`, {
      body: { ...body, capacity: 120, hours: { opens: '05:30', closes: '23:00' } },
    });
    expect(put.status).toBe(200);
    const lounge = {
      id: LOUNGE,
      ...body,
      capacity: 120,
      hours: { opens: '05:30', closes: '23:00' },
      updatedAt: new Date(cloud.clock.now()).toISOString(),
    };
    expect(put.json).toEqual(lounge);
    expect((await cloud.call('GET', `/v1/lounges/${LOUNGE}`)).json).toEqual(lounge);
    const list = await cloud.call<{ items: { id: string }[] }>('GET', '/v1/lounges');
    expect(list.json.items).toContainEqual(lounge);
    expect((await cloud.call('GET', '/v1/lounges/MAD-NOPE')).json).toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  it('refuses a bad capacity or hours, naming the field', async () => {
    for (const [extra, field] of [
      [{ capacity: 0 }, 'capacity'],
      [{ capacity: 1.5 }, 'capacity'],
      [{ hours: { opens: '5:30', closes: '23:00' } }, 'hours'],
      [{ hours: { opens: '05:30' } }, 'hours'],
    ] as const) {
      const res = await cloud.call('PUT', `/v1/lounges/${LOUNGE}`, { body: { ...body, ...extra } });
      expect(res.status, JSON.stringify(extra)).toBe(400);
      expect(res.json.detail).toContain(field);
    }
  });

  it('publishes the config retained on the lounge config topic, newest last', async () => {
    await drainOutbox();
    cloud.publisher.messages.length = 0;
    await cloud.call('PUT', `/v1/lounges/${LOUNGE}`, { body: { ...body, capacity: 50 } });
    cloud.clock.advance(1000);
    await cloud.call('PUT', `/v1/lounges/${LOUNGE}`, {
      body: { ...body, capacity: 60, hours: { opens: '06:00', closes: '22:00' } },
    });
    await drainOutbox();
    const sent = cloud.publisher.messages.filter((m) => m.topic === TOPICS.loungeConfig(LOUNGE));
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.every((m) => m.retain)).toBe(true);
    expect(JSON.parse(sent.at(-1)!.payload)).toEqual({
      capacity: 60,
      hours: { opens: '06:00', closes: '22:00' },
      timezone: 'Europe/Madrid',
      updatedAt: expect.any(String),
    });
  });

  it('hands the config to a box at enrolment, and lets a box read its own lounge only', async () => {
    await cloud.call('PUT', `/v1/lounges/${LOUNGE}`, { body: { ...body, capacity: 70 } });
    const device = await enroll(LOUNGE);
    expect(device.lounge).toMatchObject({ capacity: 70, hours: null, timezone: 'Europe/Madrid' });
    const as = () =>
      createDeviceAssertion({
        deviceId: device.deviceId,
        privateKey: device.privateJwk,
        audience: PUBLIC_URL,
        nowMs: cloud.clock.now(),
      });
    const own = await cloud.call('GET', `/v1/lounges/${LOUNGE}`, { key: await as() });
    expect(own.json).toMatchObject({ id: LOUNGE, capacity: 70 });
    await cloud.call('PUT', '/v1/lounges/BCN-T1-MIRO', {
      body: { airport: 'BCN', name: 'Miró', timezone: 'Europe/Madrid' },
    });
    const other = await cloud.call('GET', '/v1/lounges/BCN-T1-MIRO', { key: await as() });
    expect(other.status).toBe(404);
    expect((await cloud.call('GET', '/v1/lounges', { key: await as() })).status).toBe(403);
    expect(
      (await cloud.call('PUT', `/v1/lounges/${LOUNGE}`, { body, key: await as() })).status,
    ).toBe(403);
  });
});
