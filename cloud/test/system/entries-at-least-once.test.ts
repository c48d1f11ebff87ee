import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import { newEventId, TOPICS } from '@lounge/shared';
import mqtt, { type MqttClient } from 'mqtt';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloudApi } from '@lounge/test-helpers/e2e-clients';
import { startMosquitto, type MosquittoBroker } from '@lounge/test-helpers/mosquitto';
import { startPostgres, type PostgresCluster } from '@lounge/test-helpers/postgres';
import { spawnProcess, type SpawnedProcess } from '@lounge/test-helpers/process';
import { startStandIns, type StandIns } from '@lounge/test-helpers/stand-ins';

// Lounge events over MQTT are at least once (docs/mqtt.md): the cloud acknowledges an event
// only after recording it, each instance keeps a persistent session under a stable client id,
// and a failed attempt is retried. Three instances on one PostgreSQL and one mosquitto.
const BIN = join(import.meta.dirname, '../../bin/lounge-cloud.js');
const ADMIN = 'at-least-once-admin-secret';
const LOUNGE = 'MAD-T4S-VELAZQUEZ';

let cluster: PostgresCluster;
let broker: MosquittoBroker;
let standIns: StandIns;
let dbUrl: string;
let db: pg.Client;
let device: MqttClient;
let deviceId: string;
const instances = new Map<string, { url: string; proc: SpawnedProcess }>();

async function startInstance(clientId: string) {
  const proc = await spawnProcess('node', [BIN, 'serve'], {
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: '0',
      DATABASE_URL: dbUrl,
      MQTT_URL: broker.url,
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
  const line = await proc.waitForLine(/lounge-cloud listening/);
  const url = `http://127.0.0.1:${(JSON.parse(line) as { port: number }).port}`;
  instances.set(clientId, { url, proc });
  return url;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, check: () => Promise<boolean>, ms = 60_000) {
  const started = Date.now();
  while (!(await check().catch(() => false))) {
    if (Date.now() - started > ms) throw new Error(`${what}: not after ${ms} ms (${last})`);
    await sleep(100);
  }
}
let last = 0;

/** A fresh connection: the test's own survives no PostgreSQL restart. */
async function connectDb(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: dbUrl });
  client.on('error', () => {});
  await client.connect();
  return client;
}

/** Lounge events stored, and how many distinct ids among `ids`. */
async function stored(ids: string[]): Promise<number> {
  const res = await db.query(
    'SELECT count(*)::int AS n FROM lounge_events WHERE event_id = ANY($1)',
    [ids],
  );
  last = (res.rows[0] as { n: number }).n;
  return last;
}

/** An `exit` event of the enrolled device (the simplest lounge event: no invitation). */
function exitEvent(): { eventId: string; body: string } {
  const eventId = newEventId();
  const event = {
    type: 'exit',
    eventId,
    deviceId,
    gate: 'g1',
    at: new Date().toISOString(),
    count: 1,
  };
  return { eventId, body: JSON.stringify(event) };
}

async function publish(events: { body: string }[]): Promise<void> {
  // QoS 1: each resolves on mosquitto's PUBACK, i.e. the broker holds the event.
  await Promise.all(
    events.map((e) => device.publishAsync(TOPICS.loungeEntries(LOUNGE), e.body, { qos: 1 })),
  );
}

beforeAll(async () => {
  [cluster, broker, standIns] = await Promise.all([
    startPostgres(),
    startMosquitto(),
    startStandIns(),
  ]);
  dbUrl = await cluster.createDatabase('cloud_entries');
  const first = await startInstance('cloud-a');
  await Promise.all([startInstance('cloud-b'), startInstance('cloud-c')]);
  const api = cloudApi(first, ADMIN);
  await api.expect(200, 'PUT', `/v1/lounges/${LOUNGE}`, {
    airport: 'MAD',
    name: 'Velázquez',
    timezone: 'Europe/Madrid',
  });
  const { token } = await api.expect(201, 'POST', '/v1/enrollment-tokens', { loungeId: LOUNGE });
  const { d: _d, ...publicKey } = generateKeyPairSync('ed25519').privateKey.export({
    format: 'jwk',
  });
  const enrolled = await cloudApi(first, String(token)).expect(201, 'POST', '/v1/devices/enroll', {
    publicKey,
  });
  deviceId = String(enrolled.deviceId);
  // The broker allows anonymous logins here: the test publishes as the device would.
  device = await mqtt.connectAsync(broker.url, { clientId: deviceId, protocolVersion: 5 });
  db = await connectDb();
  // Every instance has subscribed: a first event is recorded.
  const probe = exitEvent();
  await publish([probe]);
  await until('the first event recorded', async () => (await stored([probe.eventId])) === 1);
  await sleep(500);
}, 240_000);

afterAll(async () => {
  await device?.endAsync(true);
  await db?.end().catch(() => {});
  await Promise.all([...instances.values()].map((i) => i.proc.killHard()));
  await Promise.all([standIns?.close(), broker?.stop(), cluster?.stop()]);
});

describe('lounge events over MQTT, at least once', () => {
  it('60 events published while PostgreSQL is down are all recorded once it is back', async () => {
    const events = Array.from({ length: 60 }, exitEvent);
    await cluster.restart({
      whileDown: async () => {
        await publish(events);
        // The instances try, fail, and keep the events unacknowledged meanwhile.
        await sleep(2_000);
      },
    });
    await db.end().catch(() => {});
    db = await connectDb();
    await until('all 60 recorded', async () => (await stored(events.map((e) => e.eventId))) === 60);
    for (const { proc } of instances.values()) expect(proc.child.exitCode).toBeNull();
  });

  it('kill -9 of one of three instances during 2,000 events: 2,000 recorded, each once', async () => {
    const events = Array.from({ length: 2000 }, exitEvent);
    const ids = events.map((e) => e.eventId);
    const sending = (async () => {
      for (let i = 0; i < events.length; i += 50) {
        await publish(events.slice(i, i + 50));
        await sleep(10);
      }
    })();
    // Mid-stream: some of the victim's events recorded, others in flight or still queued.
    await until('a quarter recorded', async () => (await stored(ids)) >= 500);
    const victim = instances.get('cloud-b')!;
    await victim.proc.killHard();
    await sending;
    // The others go on; the victim's share waits in its session until it is back (same id).
    await sleep(1_000);
    const whileAway = await stored(ids);
    await startInstance('cloud-b');
    await until('all 2,000 recorded', async () => (await stored(ids)) === 2000, 90_000);
    expect(whileAway).toBeLessThan(2000);
    // Each once: one row per event id (the primary key), and no more rows than events.
    const rows = await db.query(
      'SELECT count(*)::int AS n, count(DISTINCT event_id)::int AS d FROM lounge_events WHERE event_id = ANY($1)',
      [ids],
    );
    expect(rows.rows[0]).toEqual({ n: 2000, d: 2000 });
  });
});
