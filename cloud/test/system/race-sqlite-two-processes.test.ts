import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnProcess, type SpawnedProcess } from '@lounge/test-helpers/process';
import { startStandIns, type StandIns } from '@lounge/test-helpers/stand-ins';
import { utcDate } from '@lounge/test-helpers/dates';

// The PostgreSQL variant is api-two-instances.test.ts; this is the same race on one SQLite
// file shared by two real cloud processes (a single-box deployment running two workers).
const BIN = join(import.meta.dirname, '../../bin/lounge-cloud.js');
const ADMIN = 'race-sqlite-admin-secret';
const LOUNGE = 'MAD-T4S-VELAZQUEZ';
const dir = mkdtempSync(join(tmpdir(), 'cloud-race-'));
let standIns: StandIns;
let urls: string[] = [];
const procs: SpawnedProcess[] = [];

async function startInstance(): Promise<string> {
  const proc = await spawnProcess('node', [BIN, 'serve'], {
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: '0',
      MQTT_PORT: '0',
      DATABASE_URL: `sqlite:${join(dir, 'cloud.db')}`,
      LOYALTY_URL: standIns.urls.loyalty,
      ENRICHMENT_URL: standIns.urls.enrichment,
      CRM_URL: standIns.urls.crm,
      IBDP_URL: standIns.urls.ibdp,
      BOOTSTRAP_ADMIN_KEY: ADMIN,
      KEY_ENCRYPTION_KEY: Buffer.alloc(32, 9).toString('base64'),
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
  standIns = await startStandIns();
  urls = await Promise.all([startInstance(), startInstance()]);
}, 180_000);
afterAll(async () => {
  await Promise.all(procs.map((p) => p.kill('SIGTERM')));
  await standIns?.close();
  rmSync(dir, { recursive: true, force: true });
});

const call = async (url: string, method: string, path: string, body?: unknown, headers = {}) => {
  const res = await fetch(url + path, {
    method,
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, text: await res.text() };
};

describe('two cloud processes on one SQLite file', () => {
  it('one invitation per Idempotency-Key or per customer+flight, gap-free revocation seqs', async () => {
    const [a, b] = urls as [string, string];
    const lounge = { airport: 'MAD', name: 'Velázquez', timezone: 'Europe/Madrid' };
    expect((await call(a, 'PUT', `/v1/lounges/${LOUNGE}`, lounge)).status).toBe(200);
    const body = (customerId: string) => ({
      customerId,
      loungeId: LOUNGE,
      flight: { number: 'IB0612', date: utcDate() },
    });
    const pick = (i: number) => (i % 2 ? a : b);

    const same = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        call(pick(i), 'POST', '/v1/invitations', body('IB3000'), { 'idempotency-key': 'race-1' }),
      ),
    );
    expect(same.map((r) => r.status)).toEqual(Array(20).fill(201));
    expect(new Set(same.map((r) => r.text)).size).toBe(1);

    // Without a key, the same customer+flight+lounge: exactly one 201, the rest 409.
    const keyless = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        call(pick(i), 'POST', '/v1/invitations', body('IB3001')),
      ),
    );
    const statuses = keyless.map((r) => r.status).sort();
    expect(statuses).toEqual([201, ...Array(9).fill(409)]);
    for (const r of keyless.filter((x) => x.status === 409)) {
      expect(JSON.parse(r.text).code).toBe('ALREADY_INVITED');
    }

    const ids: string[] = [];
    for (let i = 0; i < 10; i++) {
      const res = await call(pick(i), 'POST', '/v1/invitations', body(`IB31${i}0`));
      expect(res.status).toBe(201);
      ids.push(JSON.parse(res.text).id);
    }
    const revokes = await Promise.all(
      ids.map((id, i) => call(pick(i), 'POST', `/v1/invitations/${id}/revoke`, { reason: 'r' })),
    );
    expect(revokes.map((r) => r.status)).toEqual(Array(10).fill(200));
    const feed = JSON.parse((await call(b, 'GET', '/v1/revocations?after=0')).text) as {
      entries: { seq: number }[];
    };
    expect(feed.entries.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });
});
