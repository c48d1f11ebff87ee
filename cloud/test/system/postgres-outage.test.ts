import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { utcDate } from '@lounge/test-helpers/dates';
import { startMosquitto, type MosquittoBroker } from '@lounge/test-helpers/mosquitto';
import { startPostgres, type PostgresCluster } from '@lounge/test-helpers/postgres';
import { spawnProcess, type SpawnedProcess } from '@lounge/test-helpers/process';
import { startStandIns, type StandIns } from '@lounge/test-helpers/stand-ins';
import { SCHEMA_VERSION } from '../../src/store/migrations/index.ts';

// What an operator sees when PostgreSQL goes away under running instances (docs/operations.md):
// no instance exits, requests answer 503 DATABASE_UNAVAILABLE with Retry-After (never 500),
// /readyz says why, and every instance serves again on its own once the database is back.
const BIN = join(import.meta.dirname, '../../bin/lounge-cloud.js');
const ADMIN = 'pg-outage-admin-secret';
const LOUNGE = 'MAD-T4S-VELAZQUEZ';

let cluster: PostgresCluster;
let broker: MosquittoBroker;
let standIns: StandIns;
let dbUrl: string;
const instances: { url: string; proc: SpawnedProcess }[] = [];
const extra: SpawnedProcess[] = [];

const envFor = (databaseUrl: string, more: Record<string, string> = {}): NodeJS.ProcessEnv => ({
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
  LOG_LEVEL: 'warn',
  ...more,
});

async function startInstance(databaseUrl: string, more: Record<string, string> = {}) {
  const proc = await spawnProcess('node', [BIN, 'serve'], {
    env: envFor(databaseUrl, { ...more, LOG_LEVEL: 'info' }),
    readyLine: /lounge-cloud listening/,
    timeoutMs: 90_000,
    killOnTestEnd: false,
  });
  const line = await proc.waitForLine(/lounge-cloud listening/);
  return { url: `http://127.0.0.1:${(JSON.parse(line) as { port: number }).port}`, proc };
}

beforeAll(async () => {
  [cluster, broker, standIns] = await Promise.all([
    startPostgres(),
    startMosquitto(),
    startStandIns(),
  ]);
  dbUrl = await cluster.createDatabase('cloud_outage');
  instances.push(...(await Promise.all([startInstance(dbUrl), startInstance(dbUrl)])));
}, 180_000);

afterAll(async () => {
  try {
    // After the outage, each instance still stops cleanly on SIGTERM (exit 0).
    const codes = await Promise.all(instances.map((i) => i.proc.kill('SIGTERM')));
    expect(codes).toEqual(instances.map(() => 0));
  } finally {
    await Promise.all([...instances.map((i) => i.proc), ...extra].map((p) => p.killHard()));
    await Promise.all([standIns?.close(), broker?.stop(), cluster?.stop()]);
  }
});

interface Answer {
  status: number;
  retryAfter: string | null;
  body: Record<string, unknown>;
}

async function call(url: string, method: string, path: string, body?: unknown): Promise<Answer> {
  const res = await fetch(url + path, {
    method,
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    parsed = { text };
  }
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: parsed };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const flight = { number: 'IB0612', date: utcDate(1) };

/** Issues and revokes in a loop until `stop()`, recording every status it gets. */
function worker(n: number, url: string) {
  const statuses: Answer[] = [];
  let running = true;
  let i = 0;
  const done = (async () => {
    while (running) {
      const customerId = `IB7${n}${String(i++).padStart(5, '0')}`;
      try {
        const issued = await call(url, 'POST', '/v1/invitations', {
          customerId,
          loungeId: LOUNGE,
          flight,
        });
        statuses.push(issued);
        if (issued.status === 201) {
          const id = String(issued.body.id);
          statuses.push(await call(url, 'POST', `/v1/invitations/${id}/revoke`, { reason: 't' }));
        }
      } catch (err) {
        // The instance is gone (connection refused): that is the failure this test looks for.
        statuses.push({ status: 0, retryAfter: null, body: { error: String(err) } });
        await sleep(50);
      }
      if (statuses.at(-1)!.status !== 201 && statuses.at(-1)!.status !== 200) await sleep(20);
    }
  })();
  return {
    statuses,
    stop: async () => {
      running = false;
      await done;
    },
  };
}

/** Polls `path` on `url` until it answers `status`; returns how long that took (ms). */
async function until(url: string, path: string, status: number, timeoutMs = 20_000) {
  const started = Date.now();
  for (;;) {
    const res = await call(url, 'GET', path).catch(() => null);
    if (res?.status === status) return Date.now() - started;
    if (Date.now() - started > timeoutMs) {
      throw new Error(`${url}${path}: no ${status} after ${timeoutMs} ms (last ${res?.status})`);
    }
    await sleep(100);
  }
}

describe('PostgreSQL restarts under two busy instances', () => {
  it('no instance exits; 503 + Retry-After while down; both serve again on their own', async () => {
    const [a, b] = instances as [(typeof instances)[0], (typeof instances)[0]];
    const lounge = { airport: 'MAD', name: 'Velázquez', timezone: 'Europe/Madrid' };
    expect((await call(a.url, 'PUT', `/v1/lounges/${LOUNGE}`, lounge)).status).toBe(200);

    // Four workers, two per instance, issuing and revoking (transactions in flight).
    const workers = [0, 1, 2, 3].map((n) => worker(n, n % 2 ? b.url : a.url));
    await sleep(1_500);

    const whileDown: Record<string, Answer> = {};
    await cluster.restart({
      whileDown: async () => {
        await sleep(500);
        for (const [name, inst] of [
          ['a', a],
          ['b', b],
        ] as const) {
          whileDown[`${name} keys`] = await call(inst.url, 'GET', '/v1/devices');
          whileDown[`${name} readyz`] = await call(inst.url, 'GET', '/readyz');
        }
      },
    });

    // Back on their own, within seconds, without a restart of the instances.
    const backA = await until(a.url, '/readyz', 200);
    const backB = await until(b.url, '/readyz', 200);
    expect(Math.max(backA, backB)).toBeLessThan(10_000);
    await sleep(1_500);
    await Promise.all(workers.map((w) => w.stop()));

    expect(a.proc.child.exitCode).toBeNull();
    expect(b.proc.child.exitCode).toBeNull();

    for (const name of ['a', 'b']) {
      const keys = whileDown[`${name} keys`]!;
      expect(keys.status).toBe(503);
      expect(keys.body.code).toBe('DATABASE_UNAVAILABLE');
      expect(Number(keys.retryAfter)).toBeGreaterThan(0);
      const ready = whileDown[`${name} readyz`]!;
      expect(ready.status).toBe(503);
      expect(String(ready.body.db)).toMatch(/database unreachable/);
      expect(ready.body.dbReason).toBe('unreachable');
    }

    // Every answer a worker got: success or 503 with Retry-After; never a 500, never a dead socket.
    const all = workers.flatMap((w) => w.statuses);
    const bad = all.filter(
      (s) => !(s.status === 200 || s.status === 201 || (s.status === 503 && s.retryAfter)),
    );
    expect(bad.slice(0, 3)).toEqual([]);
    expect(all.filter((s) => s.status === 503).length).toBeGreaterThan(0);

    // Both serve writes again, and the outbox dispatcher resumed: the new event reaches the CRM.
    for (const inst of [a, b]) {
      const customerId = `IB8${inst === a ? 1 : 2}0000`;
      const issued = await call(inst.url, 'POST', '/v1/invitations', {
        customerId,
        loungeId: LOUNGE,
        flight,
      });
      expect(issued.status).toBe(201);
      await standIns.waitFor(
        () =>
          standIns
            .crmEvents()
            .some((e) => (e as { customerId?: string }).customerId === customerId),
        30_000,
      );
    }
  });
});

describe('pool exhaustion', () => {
  it('answers 503 DATABASE_UNAVAILABLE with Retry-After on unrelated routes', async () => {
    const db = await cluster.createDatabase('cloud_pool');
    const inst = await startInstance(db, { DATABASE_POOL_SIZE: '1' });
    extra.push(inst.proc);
    const lounge = { airport: 'MAD', name: 'Velázquez', timezone: 'Europe/Madrid' };
    expect((await call(inst.url, 'PUT', `/v1/lounges/${LOUNGE}`, lounge)).status).toBe(200);
    const issued = await call(inst.url, 'POST', '/v1/invitations', {
      customerId: 'IB900001',
      loungeId: LOUNGE,
      flight,
    });
    expect(issued.status).toBe(201);

    // Another session holds a lock the revocation waits on: the instance's one connection is
    // busy, and a request that needs any connection waits for the pool, then gives up.
    const locker = new pg.Client({ connectionString: db });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE invitations IN ACCESS EXCLUSIVE MODE');
      const revoke = call(inst.url, 'POST', `/v1/invitations/${String(issued.body.id)}/revoke`, {
        reason: 't',
      });
      await sleep(300);
      const unrelated = await call(inst.url, 'GET', '/v1/devices');
      expect(unrelated.status).toBe(503);
      expect(unrelated.body.code).toBe('DATABASE_UNAVAILABLE');
      expect(unrelated.body.reason).toBe('pool-exhausted');
      expect(Number(unrelated.retryAfter)).toBeGreaterThan(0);
      await locker.query('ROLLBACK');
      expect((await revoke).status).toBe(200);
    } finally {
      await locker.end();
    }
    expect((await call(inst.url, 'GET', '/v1/devices')).status).toBe(200);
  });
});

describe('schema version', () => {
  it('an older binary refuses to start on a newer schema, naming both versions', async () => {
    const db = await cluster.createDatabase('cloud_future');
    const migrate = await spawnProcess('node', [BIN, 'migrate'], { env: envFor(db) });
    expect(await migrate.exited).toBe(0);
    const client = new pg.Client({ connectionString: db });
    await client.connect();
    try {
      await client.query(
        "INSERT INTO schema_migrations (id, name, applied_at) VALUES (999, 'from-the-future', 0)",
      );
    } finally {
      await client.end();
    }
    const serve = await spawnProcess('node', [BIN, 'serve'], {
      env: envFor(db, { LOG_LEVEL: 'info' }),
    });
    const listening = serve.waitForLine(/lounge-cloud listening/, 60_000).then(() => 'listening');
    expect(await Promise.race([serve.exited, listening.catch(() => 'exited')])).toBe(1);
    const said = [...serve.stderrLines, ...serve.stdoutLines].join('\n');
    expect(said).toMatch(/schema version 999/);
    expect(said).toMatch(new RegExp(`knows up to ${SCHEMA_VERSION}\\b`));
  });
});
