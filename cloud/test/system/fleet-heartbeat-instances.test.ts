import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import { TOPICS } from '@lounge/shared';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMosquitto, type MosquittoBroker } from '@lounge/test-helpers/mosquitto';
import { startPostgres, type PostgresCluster } from '@lounge/test-helpers/postgres';
import { spawnProcess, type SpawnedProcess } from '@lounge/test-helpers/process';
import { startStandIns, type StandIns } from '@lounge/test-helpers/stand-ins';

// The fleet view with two cloud processes on one PostgreSQL and mosquitto (SPEC.md 5, 6): the
// retained heartbeat reaches an instance started after it was sent, both instances show the
// same heartbeat, will and gauges.
const BIN = join(import.meta.dirname, '../../bin/lounge-cloud.js');
const ADMIN = 'fleet-instances-admin-secret';
const LOUNGE = 'MAD-T4S-VELAZQUEZ';

let pg: PostgresCluster;
let broker: MosquittoBroker;
let standIns: StandIns;
let db: string;
const procs: SpawnedProcess[] = [];
let box: MqttClient | undefined;

async function startInstance(): Promise<{ url: string; proc: SpawnedProcess }> {
  const proc = await spawnProcess('node', [BIN, 'serve'], {
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: '0',
      DATABASE_URL: db,
      MQTT_URL: broker.url,
      LOYALTY_URL: standIns.urls.loyalty,
      ENRICHMENT_URL: standIns.urls.enrichment,
      CRM_URL: standIns.urls.crm,
      IBDP_URL: standIns.urls.ibdp,
      BOOTSTRAP_ADMIN_KEY: ADMIN,
      KEY_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
      RATE_LIMIT: '0',
    },
    readyLine: /lounge-cloud listening/,
    timeoutMs: 90_000,
  });
  const line = await proc.waitForLine(/lounge-cloud listening/);
  procs.push(proc);
  return { url: `http://127.0.0.1:${(JSON.parse(line) as { port: number }).port}`, proc };
}

beforeAll(async () => {
  [pg, broker, standIns] = await Promise.all([startPostgres(), startMosquitto(), startStandIns()]);
  db = await pg.createDatabase('cloud_fleet');
}, 180_000);
afterAll(async () => {
  box?.end(true);
  await Promise.all(procs.map((p) => p.kill('SIGTERM')));
  await Promise.all([standIns?.close(), broker?.stop(), pg?.stop()]);
});

const call = async <T>(url: string, method: string, path: string, body?: unknown, key = ADMIN) => {
  const res = await fetch(url + path, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return (await res.json()) as T;
};
type Device = {
  deviceId: string;
  online: boolean;
  stale: boolean;
  heartbeat: unknown;
  heartbeatAt: string;
};
const device = async (url: string, id: string) =>
  (await call<{ devices: Device[] }>(url, 'GET', '/v1/devices')).devices.find(
    (d) => d.deviceId === id,
  );
const until = async (check: () => Promise<boolean>, what: string) => {
  const deadline = Date.now() + 20_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};
const gauge = async (url: string) =>
  (await (await fetch(`${url}/metrics`)).text())
    .split('\n')
    .filter((l) => l.startsWith('lounge_fleet_'))
    .sort();

const heartbeat = (deviceId: string, at: number, status = 'ok') => ({
  status,
  deviceId,
  loungeId: LOUNGE,
  sync: { revocationSeq: 0, revocationLag: 0, lastSyncAt: null, mqtt: 'connected' },
  scanners: [{ id: 'gate1', type: 'serial', status: 'connected' }],
  uploads: { pending: 0, oldestPendingAt: null, lastUploadAt: null, lastError: null },
  clock: { suspect: false, skewSeconds: 0 },
  online: true,
  version: '1.4.0',
  kids: [],
  storage: { freeBytes: 1e9 },
  at: new Date(at).toISOString(),
});

describe('the fleet view on two instances', () => {
  it('a later instance takes the retained heartbeat; both show it, the will and the same gauges', async () => {
    const a = await startInstance();
    await call(a.url, 'PUT', `/v1/lounges/${LOUNGE}`, {
      airport: 'MAD',
      name: 'V',
      timezone: 'Europe/Madrid',
    });
    const token = await call<{ token: string }>(a.url, 'POST', '/v1/enrollment-tokens', {
      loungeId: LOUNGE,
    });
    const { privateKey } = generateKeyPairSync('ed25519');
    const { d: _d, ...publicKey } = privateKey.export({ format: 'jwk' });
    const { deviceId } = await call<{ deviceId: string }>(
      a.url,
      'POST',
      '/v1/devices/enroll',
      { publicKey },
      token.token,
    );
    const topic = TOPICS.deviceStatus(deviceId);
    box = await mqtt.connectAsync(broker.url, {
      clientId: deviceId,
      protocolVersion: 5,
      will: { topic, payload: Buffer.from('{"online":false}'), qos: 1, retain: true },
    });
    const h1 = heartbeat(deviceId, Date.now());
    await box.publishAsync(topic, JSON.stringify(h1), { qos: 1, retain: true });
    await until(async () => (await device(a.url, deviceId))?.online === true, 'the heartbeat on A');

    // A stops; the box's next heartbeat is sent while no cloud runs. B, started after, gets
    // it retained and dates it by its own `at`, not by when B happened to subscribe.
    await a.proc.kill('SIGTERM');
    procs.splice(procs.indexOf(a.proc), 1);
    const sentAt = Date.now(); // B starts seconds later: its arrival would be later

    const h2 = heartbeat(deviceId, sentAt, 'degraded');
    await box.publishAsync(topic, JSON.stringify(h2), { qos: 1, retain: true });
    const b = await startInstance();
    await until(async () => {
      const d = await device(b.url, deviceId);
      return (d?.heartbeat as { status?: string } | null)?.status === 'degraded';
    }, 'the retained heartbeat on B');
    expect(await device(b.url, deviceId)).toMatchObject({
      online: true,
      stale: false,
      heartbeat: h2,
      heartbeatAt: new Date(sentAt).toISOString(),
    });

    const c = await startInstance();
    await until(async () => (await gauge(c.url)).length > 0, 'the gauges on C');
    expect(await device(c.url, deviceId)).toEqual(await device(b.url, deviceId));
    // The box drops off without a goodbye: the will reaches both, the heartbeat stays.
    box.stream.destroy();
    await until(async () => (await device(b.url, deviceId))?.online === false, 'the will on B');
    expect(await device(c.url, deviceId)).toMatchObject({ online: false, heartbeat: h2 });
    await new Promise((r) => setTimeout(r, 10_000)); // past the gauges' 10 s cache
    expect(await gauge(b.url)).toEqual(await gauge(c.url));
    expect(await gauge(b.url)).toContain('lounge_fleet_devices{state="offline"} 1');
  });
});
