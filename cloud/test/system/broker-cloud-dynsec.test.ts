import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TOPICS } from '@lounge/shared';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMosquitto, type MosquittoBroker } from '@lounge/test-helpers/mosquitto';
import { startCloud, type RunningCloud } from '../../src/cloud.ts';
import { loadConfig } from '../../src/config.ts';
import { closes, connect, eventually } from '../integration/broker-fixtures.ts';

// lounge-cloud itself with MQTT_DYNSEC=1: enrolment creates the login, decommission removes it.
const ADMIN = 'broker-cloud-admin-key';
const LOUNGE = 'MAD-T4S-VELAZQUEZ';
const broker = { username: 'lounge-cloud', password: 'dynsec-admin-secret' };
let mosquitto: MosquittoBroker;
let cloud: RunningCloud;
let dir: string;

const api = async <T = Record<string, unknown>>(
  method: string,
  path: string,
  body?: unknown,
  key = ADMIN,
) => {
  const res = await fetch(`http://127.0.0.1:${cloud.port}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as T };
};

beforeAll(async () => {
  mosquitto = await startMosquitto({
    dynsec: { adminUser: broker.username, adminPassword: broker.password },
  });
  dir = mkdtempSync(join(tmpdir(), 'broker-cloud-'));
  const config = loadConfig({
    HOST: '127.0.0.1',
    PORT: '0',
    DATABASE_URL: `sqlite:${join(dir, 'cloud.db')}`,
    INTEGRATIONS: 'stub',
    BOOTSTRAP_ADMIN_KEY: ADMIN,
    MQTT_URL: mosquitto.url,
    MQTT_USERNAME: broker.username,
    MQTT_PASSWORD: broker.password,
    MQTT_DYNSEC: '1',
  });
  cloud = await startCloud(config, { log: pino({ level: 'silent' }) });
});

afterAll(async () => {
  await cloud?.stop();
  await mosquitto?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('lounge-cloud with mosquitto dynsec', () => {
  it('is ready once it holds its role, and enrolment hands out a working login', async () => {
    // The first start adds the cloud role to its own login: mosquitto reconnects it once.
    await eventually(async () => (await api('GET', '/readyz')).status === 200, 15_000);
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
    const enrolled = await api<{ deviceId: string; mqtt: { username: string; password: string } }>(
      'POST',
      '/v1/devices/enroll',
      { publicKey },
      token.json.token,
    );
    expect(enrolled.status).toBe(201);
    const { deviceId, mqtt } = enrolled.json;
    const device = await connect(mosquitto.url, {
      ...mqtt,
      clientId: deviceId,
      protocolVersion: 5,
    });
    // A heartbeat as a box sends it (SPEC.md 6: `online` and `at` at least).
    const heartbeat = JSON.stringify({ online: true, at: new Date().toISOString() });
    await device.publishAsync(TOPICS.deviceStatus(deviceId), heartbeat, { qos: 1, retain: true });
    type Fleet = { devices: { deviceId: string; online: boolean }[] };
    await eventually(async () =>
      (await api<Fleet>('GET', '/v1/devices')).json.devices.some(
        (d) => d.deviceId === deviceId && d.online,
      ),
    );
    await expect(device.publishAsync(TOPICS.revocations, '{}', { qos: 1 })).rejects.toThrow(
      /not authorized/i,
    );

    const closed = closes(device, 5000);
    expect((await api('POST', `/v1/devices/${deviceId}/decommission`)).status).toBe(200);
    expect(await closed).toBe(true);
    await expect(
      connect(mosquitto.url, { ...mqtt, clientId: `${deviceId}-2`, protocolVersion: 5 }),
    ).rejects.toThrow();
    expect((await api('GET', '/readyz')).status).toBe(200);
  });
});
