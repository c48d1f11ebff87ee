import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import { newEventId, TOPICS } from '@lounge/shared';
import mqtt from 'mqtt';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloudApi } from '@lounge/test-helpers/e2e-clients';
import { startMosquitto, type MosquittoBroker } from '@lounge/test-helpers/mosquitto';
import { startPostgres, type PostgresCluster } from '@lounge/test-helpers/postgres';
import { spawnProcess, type SpawnedProcess } from '@lounge/test-helpers/process';
import { startStandIns, type StandIns } from '@lounge/test-helpers/stand-ins';

// A decommission is durable (docs/operations.md): the broker is told through the outbox, so
// any instance applies it, and every instance refuses the box's events from the commit on.
// Two instances on one PostgreSQL and a mosquitto with dynamic security.
const BIN = join(import.meta.dirname, '../../bin/lounge-cloud.js');
const ADMIN = 'decommission-admin-secret';
const LOUNGE = 'MAD-T4S-VELAZQUEZ';
const login = { username: 'lounge-cloud', password: 'dynsec-admin-secret' };

let cluster: PostgresCluster;
let broker: MosquittoBroker;
let standIns: StandIns;
let dbUrl: string;
let db: pg.Client;
const procs: SpawnedProcess[] = [];
let urls: string[] = [];

async function startInstance(clientId: string): Promise<{ url: string; proc: SpawnedProcess }> {
  const proc = await spawnProcess('node', [BIN, 'serve'], {
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: '0',
      DATABASE_URL: dbUrl,
      MQTT_URL: broker.url,
      MQTT_USERNAME: login.username,
      MQTT_PASSWORD: login.password,
      MQTT_DYNSEC: '1',
      MQTT_CLIENT_ID: clientId,
      LOYALTY_URL: standIns.urls.loyalty,
      ENRICHMENT_URL: standIns.urls.enrichment,
      CRM_URL: standIns.urls.crm,
      IBDP_URL: standIns.urls.ibdp,
      BOOTSTRAP_ADMIN_KEY: ADMIN,
      KEY_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
      RATE_LIMIT: '0',
      LOG_LEVEL: 'info',
    },
    readyLine: /lounge-cloud listening/,
    timeoutMs: 90_000,
    killOnTestEnd: false,
  });
  procs.push(proc);
  const line = await proc.waitForLine(/lounge-cloud listening/);
  return { url: `http://127.0.0.1:${(JSON.parse(line) as { port: number }).port}`, proc };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, check: () => Promise<boolean>, ms = 30_000) {
  const started = Date.now();
  while (!(await check().catch(() => false))) {
    if (Date.now() - started > ms) throw new Error(`${what}: not after ${ms} ms`);
    await sleep(200);
  }
}

async function enroll(url: string) {
  const api = cloudApi(url, ADMIN);
  const { token } = await api.expect(201, 'POST', '/v1/enrollment-tokens', { loungeId: LOUNGE });
  const { d: _d, ...publicKey } = generateKeyPairSync('ed25519').privateKey.export({
    format: 'jwk',
  });
  const enrolled = await cloudApi(url, String(token)).expect(201, 'POST', '/v1/devices/enroll', {
    publicKey,
  });
  const mqttLogin = enrolled.mqtt as { username: string; password: string };
  return { deviceId: String(enrolled.deviceId), ...mqttLogin };
}

/** Whether the device's broker login is accepted right now. */
async function logsIn(d: { deviceId: string; username: string; password: string }) {
  try {
    const c = await mqtt.connectAsync(broker.url, {
      clientId: d.deviceId,
      username: d.username,
      password: d.password,
      protocolVersion: 5,
      reconnectPeriod: 0,
      connectTimeout: 3000,
    });
    await c.endAsync(true);
    return true;
  } catch {
    return false;
  }
}

const exitOf = (deviceId: string) => ({
  type: 'exit',
  eventId: newEventId(),
  deviceId,
  gate: 'g1',
  at: new Date().toISOString(),
  count: 1,
});

async function storedCount(ids: string[]): Promise<number> {
  const res = await db.query(
    'SELECT count(*)::int AS n FROM lounge_events WHERE event_id = ANY($1)',
    [ids],
  );
  return (res.rows[0] as { n: number }).n;
}

beforeAll(async () => {
  [cluster, broker, standIns] = await Promise.all([
    startPostgres(),
    startMosquitto({ dynsec: { adminUser: login.username, adminPassword: login.password } }),
    startStandIns(),
  ]);
  dbUrl = await cluster.createDatabase('cloud_decommission');
  const a = await startInstance('cloud-a');
  const b = await startInstance('cloud-b');
  urls = [a.url, b.url];
  for (const url of urls) {
    await until('ready', async () => (await fetch(`${url}/readyz`)).status === 200);
  }
  await cloudApi(a.url, ADMIN).expect(200, 'PUT', `/v1/lounges/${LOUNGE}`, {
    airport: 'MAD',
    name: 'Velázquez',
    timezone: 'Europe/Madrid',
  });
  db = new pg.Client({ connectionString: dbUrl });
  db.on('error', () => {});
  await db.connect();
}, 240_000);

afterAll(async () => {
  await db?.end().catch(() => {});
  await Promise.all(procs.map((p) => p.killHard()));
  await Promise.all([standIns?.close(), broker?.stop(), cluster?.stop()]);
});

describe('decommission across instances', () => {
  it('no instance accepts the box’s events once it is decommissioned', async () => {
    const box = await enroll(urls[0]!);
    // The cloud's own login may publish on its behalf: the broker no longer checks who wrote.
    const pub = await mqtt.connectAsync(broker.url, { ...login, protocolVersion: 5 });
    try {
      const before = Array.from({ length: 20 }, () => exitOf(box.deviceId));
      for (const e of before) {
        await pub.publishAsync(TOPICS.loungeEntries(LOUNGE), JSON.stringify(e), { qos: 1 });
      }
      // Both instances have seen (and, before, cached) the box as active.
      await until('accepted before', async () => {
        return (await storedCount(before.map((e) => e.eventId))) === 20;
      });
      await cloudApi(urls[1]!, ADMIN).expect(
        200,
        'POST',
        `/v1/devices/${box.deviceId}/decommission`,
      );
      const after = Array.from({ length: 20 }, () => exitOf(box.deviceId));
      for (const e of after) {
        await pub.publishAsync(TOPICS.loungeEntries(LOUNGE), JSON.stringify(e), { qos: 1 });
      }
      await sleep(2_000);
      expect(await storedCount(after.map((e) => e.eventId))).toBe(0);
    } finally {
      await pub.endAsync(true);
    }
  });

  it('a decommission whose broker update failed is applied by another instance', async () => {
    const box = await enroll(urls[0]!);
    expect(await logsIn(box)).toBe(true);
    const victim = procs[0]!;
    await broker.restart({
      whileDown: async () => {
        // Committed on instance A, which cannot tell the broker, and dies right after.
        await cloudApi(urls[0]!, ADMIN).expect(
          200,
          'POST',
          `/v1/devices/${box.deviceId}/decommission`,
        );
        await sleep(500);
        await victim.killHard();
      },
    });
    // Instance B, reconnected, applies it from the outbox: the box's login is refused.
    await until('the login refused', async () => !(await logsIn(box)), 30_000);
    const left = await db.query(
      "SELECT count(*)::int AS n FROM outbox WHERE kind = 'broker' AND delivered_at IS NULL",
    );
    expect(left.rows[0]).toEqual({ n: 0 });
  });
});
