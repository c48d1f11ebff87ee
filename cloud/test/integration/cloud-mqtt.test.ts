import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newEventId, TOPICS } from '@lounge/shared';
import mqtt, { type MqttClient } from 'mqtt';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCloud, type RunningCloud } from '../../src/cloud.ts';
import { loadConfig } from '../../src/config.ts';

// The composition root for real: HTTP on a socket, the embedded aedes broker, the dispatcher.
const ADMIN = 'cloud-mqtt-admin-secret';
const LOUNGE = 'MAD-T4S-VELAZQUEZ';
let dir: string;
let cloud: RunningCloud;
let base: string;
let watcher: MqttClient;
let watcherLogin: { username: string; password: string };
const messages: { topic: string; payload: Record<string, unknown>; at: number }[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cloud-mqtt-'));
  const config = loadConfig({
    HOST: '127.0.0.1',
    PORT: '0',
    MQTT_PORT: '0',
    DATABASE_URL: `sqlite:${join(dir, 'cloud.db')}`,
    INTEGRATIONS: 'stub',
    BOOTSTRAP_ADMIN_KEY: ADMIN,
  });
  cloud = await startCloud(config, { log: pino({ level: 'silent' }) });
  base = `http://127.0.0.1:${cloud.port}`;
  // The broker takes enrolled devices only: the watcher is one. aedes speaks MQTT 3.1.1.
  watcherLogin = (await enrol()).mqtt;
  watcher = await mqtt.connectAsync(cloud.mqttUrl, {
    ...watcherLogin,
    clientId: watcherLogin.username, // a device's client id is its deviceId
    protocolVersion: 4,
  });
  watcher.on('message', (topic, payload) =>
    messages.push({ topic, payload: JSON.parse(payload.toString()), at: Date.now() }),
  );
  await watcher.subscribeAsync(
    ['lounge/v1/revocations', 'lounge/v1/revocations/head', TOPICS.keys],
    {
      qos: 1,
    },
  );
});
afterAll(async () => {
  await watcher?.endAsync();
  rmSync(dir, { recursive: true, force: true });
});

const api = async <T = Record<string, unknown>>(
  method: string,
  path: string,
  body?: unknown,
  key = ADMIN,
) => {
  const res = await fetch(base + path, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as T };
};

type Enrolled = { deviceId: string; mqtt: { url: string; username: string; password: string } };
async function enrol(): Promise<{ status: number; json: Enrolled } & Enrolled> {
  await api('PUT', `/v1/lounges/${LOUNGE}`, {
    airport: 'MAD',
    name: 'V',
    timezone: 'Europe/Madrid',
  });
  const token = await api<{ token: string }>('POST', '/v1/enrollment-tokens', {
    loungeId: LOUNGE,
  });
  const { privateKey } = generateKeyPairSync('ed25519');
  const { d: _d, ...publicKey } = privateKey.export({ format: 'jwk' });
  const res = await api<Enrolled>('POST', '/v1/devices/enroll', { publicKey }, token.json.token);
  return { ...res, ...res.json };
}

const waitFor = async (check: () => boolean | Promise<boolean>, ms = 5000) => {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('lounge-cloud with the embedded broker', () => {
  it('publishes a revocation on MQTT right after the revoke call returns', async () => {
    await api('PUT', `/v1/lounges/${LOUNGE}`, {
      airport: 'MAD',
      name: 'V',
      timezone: 'Europe/Madrid',
    });
    const inv = await api<{ id: string }>('POST', '/v1/invitations', {
      customerId: 'IB0001',
      loungeId: LOUNGE,
      flight: { number: 'IB0612', date: new Date().toISOString().slice(0, 10) },
    });
    expect(inv.status).toBe(201);
    const revoked = await api('POST', `/v1/invitations/${inv.json.id}/revoke`, { reason: 'test' });
    const returned = Date.now();
    expect(revoked.status).toBe(200);
    await waitFor(() => messages.some((m) => m.topic === TOPICS.revocations));
    const message = messages.find((m) => m.topic === TOPICS.revocations)!;
    expect(message.payload).toMatchObject({ seq: 1, invitationId: inv.json.id, reason: 'test' });
    // Woken by the commit, not by a poll: well under the 2 s safety-net poll.
    expect(message.at - returned).toBeLessThan(1000);
    await waitFor(() => messages.some((m) => m.topic === TOPICS.revocationsHead));
    // The retained head and keys reach a late subscriber too.
    const lateLogin = (await enrol()).mqtt;
    const late = await mqtt.connectAsync(cloud.mqttUrl, {
      ...lateLogin,
      clientId: lateLogin.username,
      protocolVersion: 4,
    });
    const retained: string[] = [];
    late.on('message', (topic) => retained.push(topic));
    await late.subscribeAsync([TOPICS.revocationsHead, TOPICS.keys], { qos: 1 });
    await waitFor(() => retained.length === 2);
    await late.endAsync();
  });

  it('applies device statuses and entry events published by devices', async () => {
    const device = await enrol();
    expect(device.status).toBe(201);
    expect(device.json.mqtt.url).toBe(cloud.mqttUrl.replace('127.0.0.1', 'localhost'));
    const { deviceId } = device.json;
    const edge = await mqtt.connectAsync(cloud.mqttUrl, {
      protocolVersion: 4,
      clientId: deviceId,
      username: deviceId,
      password: device.mqtt.password,
    });
    await edge.publishAsync(
      TOPICS.deviceStatus(deviceId),
      JSON.stringify({
        online: true,
        version: '1.0.0',
        revocationSeq: 1,
        at: new Date().toISOString(),
      }),
      { qos: 1, retain: true },
    );
    const fleet = async () =>
      (
        await api<{ devices: { deviceId: string; online: boolean; revocationSeq: number }[] }>(
          'GET',
          '/v1/devices',
        )
      ).json.devices.find((d) => d.deviceId === deviceId);
    await waitFor(async () => (await fleet())?.online === true);
    expect((await fleet())!.revocationSeq).toBe(1);

    const inv = await api<{ id: string }>('POST', '/v1/invitations', {
      customerId: 'IB0002',
      loungeId: LOUNGE,
      flight: { number: 'IB0612', date: new Date().toISOString().slice(0, 10) },
    });
    await edge.publishAsync(
      TOPICS.loungeEntries(LOUNGE),
      JSON.stringify({
        type: 'grant',
        eventId: newEventId(),
        deviceId,
        gate: 'gate1',
        at: new Date().toISOString(),
        invitationId: inv.json.id,
        admit: 1,
        reason: 'OK',
      }),
      { qos: 1 },
    );
    await waitFor(
      async () =>
        (await api<{ status: string }>('GET', `/v1/invitations/${inv.json.id}`)).json.status ===
        'used',
    );
    await edge.endAsync();
  });

  it("limits failed authentications by the caller's socket address", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 25; i++)
      statuses.push((await api('GET', '/v1/devices', undefined, `bogus-${i}`)).status);
    expect(statuses.slice(0, 20)).toEqual(Array(20).fill(401));
    expect(statuses.slice(20)).toEqual(Array(5).fill(429));
  });

  it('stops cleanly: HTTP and broker ports closed', async () => {
    const mqttPort = Number(new URL(cloud.mqttUrl).port);
    await cloud.stop();
    const refused = (port: number) =>
      new Promise<boolean>((resolve) => {
        const socket = connect(port, '127.0.0.1');
        socket.once('connect', () => (socket.destroy(), resolve(false)));
        socket.once('error', () => resolve(true));
      });
    expect(await refused(cloud.port)).toBe(true);
    expect(await refused(mqttPort)).toBe(true);
  });
});
