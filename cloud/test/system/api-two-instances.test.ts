import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMosquitto, type MosquittoBroker } from '@lounge/test-helpers/mosquitto';
import { startPostgres, type PostgresCluster } from '@lounge/test-helpers/postgres';
import { spawnProcess, type SpawnedProcess } from '@lounge/test-helpers/process';
import { startStandIns, type StandIns } from '@lounge/test-helpers/stand-ins';
import { utcDate } from '@lounge/test-helpers/dates';

// Two stateless cloud processes on one PostgreSQL and one mosquitto (SPEC.md 1 and 5).
const BIN = join(import.meta.dirname, '../../bin/lounge-cloud.js');
const ADMIN = 'two-instances-admin-secret';
const LOUNGE = 'MAD-T4S-VELAZQUEZ';

let pg: PostgresCluster;
let broker: MosquittoBroker;
let standIns: StandIns;
let urls: string[] = [];
const procs: SpawnedProcess[] = [];

async function startInstance(databaseUrl: string): Promise<string> {
  const proc = await spawnProcess('node', [BIN, 'serve'], {
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: '0',
      DATABASE_URL: databaseUrl,
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
  return `http://127.0.0.1:${(JSON.parse(line) as { port: number }).port}`;
}

beforeAll(async () => {
  [pg, broker, standIns] = await Promise.all([startPostgres(), startMosquitto(), startStandIns()]);
  const db = await pg.createDatabase('cloud_two');
  // Both start at once: migrations and the first signing key must not race each other.
  urls = await Promise.all([startInstance(db), startInstance(db)]);
}, 180_000);
afterAll(async () => {
  // SIGTERM: each instance must stop cleanly (exit 0) with the others still running.
  const codes = await Promise.all(procs.map((p) => p.kill('SIGTERM')));
  expect(codes).toEqual(procs.map(() => 0));
  await Promise.all([standIns?.close(), broker?.stop(), pg?.stop()]);
});

const call = async (url: string, method: string, path: string, body?: unknown, headers = {}) => {
  const res = await fetch(url + path, {
    method,
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, text: await res.text() };
};

describe('two cloud instances on one PostgreSQL', () => {
  it('shares idempotency, revocation seqs and outbox work', async () => {
    const [a, b] = urls as [string, string];
    const lounge = { airport: 'MAD', name: 'Velázquez', timezone: 'Europe/Madrid' };
    expect((await call(a, 'PUT', `/v1/lounges/${LOUNGE}`, lounge)).status).toBe(200);
    const jwksA = await call(a, 'GET', '/.well-known/jwks.json');
    const jwksB = await call(b, 'GET', '/.well-known/jwks.json');
    expect(JSON.parse(jwksA.text)).toEqual(JSON.parse(jwksB.text));

    // One Idempotency-Key, 20 concurrent requests spread over both instances.
    const body = {
      customerId: 'IB2000',
      loungeId: LOUNGE,
      flight: { number: 'IB0612', date: utcDate() },
    };
    const same = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        call(i % 2 ? a : b, 'POST', '/v1/invitations', body, { 'idempotency-key': 'two-1' }),
      ),
    );
    expect(same.map((r) => r.status)).toEqual(Array(20).fill(201));
    expect(new Set(same.map((r) => r.text)).size).toBe(1);
    const listed = JSON.parse((await call(b, 'GET', '/v1/invitations?customerId=IB2000')).text);
    expect(listed.items).toHaveLength(1);

    // Revocations from both instances at once: seqs 1..N without a gap.
    const watcher = await mqtt.connectAsync(broker.url, { protocolVersion: 5 });
    const published: number[] = [];
    watcher.on('message', (_topic, payload) => published.push(JSON.parse(payload.toString()).seq));
    await watcher.subscribeAsync('lounge/v1/revocations', { qos: 1 });
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) {
      const res = await call(i % 2 ? a : b, 'POST', '/v1/invitations', {
        ...body,
        customerId: `IB21${String(i).padStart(2, '0')}`,
      });
      expect(res.status).toBe(201);
      ids.push(JSON.parse(res.text).id);
    }
    const revokes = await Promise.all(
      ids.map((id, i) =>
        call(i % 2 ? a : b, 'POST', `/v1/invitations/${id}/revoke`, { reason: 'test' }),
      ),
    );
    expect(revokes.map((r) => r.status)).toEqual(Array(10).fill(200));
    const feed = JSON.parse((await call(a, 'GET', '/v1/revocations?after=0')).text) as {
      entries: { seq: number }[];
      lastSeq: number;
    };
    expect(feed.entries.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(feed.lastSeq).toBe(10);

    // 11 issued + 10 revoked CRM events, each POSTed once by one of the two instances.
    await standIns.waitFor(() => standIns.crmEvents().length >= 21, 30_000);
    await standIns.waitFor(() => published.length >= 10, 10_000);
    await new Promise((r) => setTimeout(r, 500));
    const posts = standIns.crm.requests.filter((r) => r.method === 'POST');
    const keys = posts.map((r) => String(r.headers['idempotency-key']));
    expect(keys).toHaveLength(21);
    expect(new Set(keys).size).toBe(21);
    expect(published.sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    await watcher.endAsync();
  });
});
