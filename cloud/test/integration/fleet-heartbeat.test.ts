import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock, TOPICS } from '@lounge/shared';
import mqtt, { type MqttClient } from 'mqtt';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCloud, type RunningCloud } from '../../src/cloud.ts';
import { loadConfig } from '../../src/config.ts';

// The fleet view for real: the composition root, the embedded broker, an injected clock.
const ADMIN = 'fleet-heartbeat-admin-secret';
const MAD = 'MAD-T4S-VELAZQUEZ';
const BCN = 'BCN-T1-PUENTE';
const clock = new ManualClock(Math.floor(Date.now() / 1000) * 1000);
let dir: string;
let cloud: RunningCloud;
let base: string;
const clients: MqttClient[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fleet-heartbeat-'));
  const config = loadConfig({
    HOST: '127.0.0.1',
    PORT: '0',
    MQTT_PORT: '0',
    DATABASE_URL: `sqlite:${join(dir, 'cloud.db')}`,
    INTEGRATIONS: 'stub',
    BOOTSTRAP_ADMIN_KEY: ADMIN,
  });
  cloud = await startCloud(config, { log: pino({ level: 'silent' }), clock });
  base = `http://127.0.0.1:${cloud.port}`;
  for (const [id, airport] of [
    [MAD, 'MAD'],
    [BCN, 'BCN'],
  ]) {
    await api('PUT', `/v1/lounges/${id}`, { airport, name: 'L', timezone: 'Europe/Madrid' });
  }
});
afterAll(async () => {
  for (const c of clients) c.end(true);
  await cloud?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function api<T = Record<string, unknown>>(method: string, path: string, body?: unknown) {
  const res = await fetch(base + path, {
    method,
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as T, text: '' };
}

type Device = {
  deviceId: string;
  loungeId: string;
  online: boolean;
  stale: boolean;
  heartbeat: Record<string, unknown> | null;
  heartbeatAt: string | null;
  lastSeenAt: string | null;
  revocationSeq: number;
};
const fleet = async (query = '') =>
  (await api<{ devices: Device[] }>('GET', `/v1/devices${query}`)).json.devices;
const one = async (deviceId: string) => (await fleet()).find((d) => d.deviceId === deviceId)!;
const ids = async (query: string) => (await fleet(query)).map((d) => d.deviceId).sort();

/** An enrolled box, logged in to the broker with its will, as the edge agent does. */
async function box(loungeId: string) {
  const token = await api<{ token: string }>('POST', '/v1/enrollment-tokens', { loungeId });
  const { privateKey } = generateKeyPairSync('ed25519');
  const { d: _d, ...publicKey } = privateKey.export({ format: 'jwk' });
  const res = await fetch(`${base}/v1/devices/enroll`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token.json.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ publicKey }),
  });
  const { deviceId, mqtt: login } = (await res.json()) as {
    deviceId: string;
    mqtt: { username: string; password: string };
  };
  const topic = TOPICS.deviceStatus(deviceId);
  const client = await mqtt.connectAsync(cloud.mqttUrl, {
    ...login,
    clientId: deviceId,
    protocolVersion: 4,
    will: { topic, payload: Buffer.from('{"online":false,"at":"x"}'), qos: 1, retain: true },
  });
  clients.push(client);
  const beat = async (extra: object = {}) => {
    const body = heartbeat(deviceId, loungeId, extra);
    await client.publishAsync(topic, JSON.stringify(body), { qos: 1, retain: true });
    return body;
  };
  return { deviceId, client, beat };
}

/** A heartbeat as the edge sends it: its /healthz body plus online, version, kids, storage, at. */
const heartbeat = (deviceId: string, loungeId: string, extra: object = {}) => ({
  status: 'ok',
  deviceId,
  loungeId,
  sync: { revocationSeq: 4, revocationLag: 0, lastSyncAt: null, mqtt: 'connected' },
  scanners: [{ id: 'gate1', type: 'serial', status: 'connected' }],
  uploads: { pending: 0, oldestPendingAt: null, lastUploadAt: null, lastError: null },
  clock: { suspect: false, skewSeconds: 0 },
  online: true,
  version: '1.4.0',
  kids: ['k1'],
  storage: { freeBytes: 12_345_678 },
  at: new Date(clock.now()).toISOString(),
  ...extra,
});

const waitFor = async (check: () => Promise<boolean>, what: string) => {
  const deadline = Date.now() + 5000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

async function metric(name: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(name + ' '));
  if (!line) throw new Error(`no ${name} in /metrics`);
  return Number(line.slice(name.length + 1));
}

describe('the fleet view from device heartbeats (SPEC.md 5, 6)', () => {
  it("shows a box's retained heartbeat; its will sets it offline and keeps the heartbeat", async () => {
    const a = await box(MAD);
    expect(await one(a.deviceId)).toMatchObject({ online: false, heartbeat: null, stale: false });
    const sent = await a.beat({ occupancy: { inside: 3, capacity: 40 } });
    await waitFor(async () => (await one(a.deviceId)).heartbeat !== null, 'the heartbeat');
    expect(await one(a.deviceId)).toMatchObject({
      online: true,
      stale: false,
      heartbeat: sent,
      heartbeatAt: new Date(clock.now()).toISOString(),
      lastSeenAt: new Date(clock.now()).toISOString(),
      revocationSeq: 4,
    });
    a.client.stream.destroy(); // no DISCONNECT: the broker publishes the will
    await waitFor(async () => !(await one(a.deviceId)).online, 'the will');
    expect((await one(a.deviceId)).heartbeat).toEqual(sent);
  });

  it('marks boxes stale after 3 min without a heartbeat, and filters by lounge and staleness', async () => {
    const quiet = await box(MAD);
    const chatty = await box(BCN);
    await quiet.beat();
    await chatty.beat();
    await waitFor(async () => (await one(chatty.deviceId)).online, 'the heartbeats');
    await waitFor(async () => (await one(quiet.deviceId)).online, 'the heartbeats');
    clock.advance(3 * 60_000);
    expect((await one(quiet.deviceId)).stale).toBe(false); // 3 min exactly: not yet
    clock.advance(1000);
    expect((await one(quiet.deviceId)).stale).toBe(true);
    const sent = await chatty.beat({ status: 'degraded' });
    await waitFor(
      async () => (await one(chatty.deviceId)).heartbeat?.status === 'degraded',
      'the next heartbeat',
    );
    expect(await one(chatty.deviceId)).toMatchObject({ stale: false, heartbeat: sent });

    expect(await ids('?stale=true')).toContain(quiet.deviceId);
    expect(await ids('?stale=true')).not.toContain(chatty.deviceId);
    expect(await ids('?stale=false')).toEqual([chatty.deviceId]);
    expect(await ids(`?loungeId=${BCN}`)).toEqual([chatty.deviceId]);
    expect(await ids(`?loungeId=${BCN}&stale=true`)).toEqual([]);
    expect(await ids(`?loungeId=${MAD}&stale=false`)).toEqual([]);

    const bad = await api('GET', '/v1/devices?stale=maybe');
    expect(bad).toMatchObject({ status: 400, json: { code: 'INVALID_REQUEST' } });
    expect(bad.json.detail).toContain('stale');
    const unknown = await api('GET', '/v1/devices?staleness=true');
    expect(unknown).toMatchObject({ status: 400, json: { code: 'INVALID_REQUEST' } });
    expect(unknown.json.detail).toContain('staleness');
  });

  it('exports the fleet gauges, read from the store', async () => {
    const b = await box(BCN);
    await b.beat({
      status: 'degraded',
      sync: { revocationSeq: 2, revocationLag: 3, lastSyncAt: null, mqtt: 'connected' },
      scanners: [
        { id: 'gate1', type: 'serial', status: 'disconnected' },
        { id: 'gate2', type: 'hid-pos', status: 'connected' },
      ],
      uploads: {
        pending: 9,
        oldestPendingAt: new Date(clock.now() - 1200_000).toISOString(),
        lastUploadAt: null,
        lastError: { at: new Date(clock.now()).toISOString(), status: 503, detail: 'HTTP 503' },
      },
      clock: { suspect: true, skewSeconds: 400 },
    });
    await waitFor(async () => (await one(b.deviceId)).heartbeat?.status === 'degraded', 'it');
    clock.advance(10_000); // past the gauges' cache
    expect(await metric('lounge_fleet_revocation_lag_max')).toBe(3);
    expect(await metric('lounge_fleet_upload_oldest_pending_age_seconds')).toBe(1210);
    expect(await metric('lounge_fleet_scanners_down')).toBe(1);
    expect(await metric('lounge_fleet_clocks_suspect')).toBe(1);
    const stale = await metric('lounge_fleet_devices{state="stale"}');
    expect(stale).toBe((await fleet('?stale=true')).length);
    expect(await metric('lounge_fleet_devices{state="online"}')).toBe(2);
  });
});
