import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startPostgres, type PostgresCluster } from '@lounge/test-helpers/postgres';
import { createStore, type CloudStore } from '../../src/store/index.ts';
import { openPostgres } from '../../src/store/postgres/connection.ts';
import { silentLog } from '../contract/silent-log.ts';
import { runStoreContract } from '../contract/store-contract.ts';

// One private cluster and database for the file; each test gets its own schema (a fresh,
// empty namespace in milliseconds, where CREATE DATABASE takes half a second) through the
// connection's search_path, and each instance its own pool, so the concurrency tests race
// real connections.
let cluster: PostgresCluster;
let dbUrl: string;
let n = 0;

beforeAll(async () => {
  cluster = await startPostgres();
  dbUrl = await cluster.createDatabase('store_contract');
});

afterAll(async () => {
  await cluster?.stop();
});

runStoreContract('postgres', async ({ clock }) => {
  const schema = `t${++n}`;
  const admin = new pg.Client({ connectionString: dbUrl });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  const url = `${dbUrl}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  const open: CloudStore[] = [];
  const make = async () => {
    const s = await createStore(url, { log: silentLog, clock });
    open.push(s);
    return s;
  };
  return {
    store: await make(),
    openTwin: make,
    async cleanup() {
      for (const s of open) await s.close();
    },
  };
});

// Not part of the contract (SQLite has no server to lose): the pool drops the connections a
// restart killed, so the first query afterwards succeeds and nothing committed is lost.
it('keeps working after PostgreSQL restarts', async () => {
  const store = await createStore(dbUrl, { log: silentLog });
  try {
    await store.migrate();
    await store.getOrCreateSecret('restart-probe', () => 'kept');
    await cluster.restart();
    await store.ping();
    expect(await store.getOrCreateSecret('restart-probe', () => 'lost')).toBe('kept');
  } finally {
    await store.close();
  }
});

// pg-pool takes its 'error' listener off a checked-out client: a restart that cuts a connection
// in the middle of a transaction must fail that transaction, not end the process with an
// unhandled 'error' event (which vitest reports as an uncaught exception).
it('fails a transaction cut by a restart with DATABASE_UNAVAILABLE, and recovers', async () => {
  const db = openPostgres(dbUrl, silentLog, 2);
  try {
    let resume!: () => void;
    const gate = new Promise<void>((r) => (resume = r));
    let started!: () => void;
    const inside = new Promise<void>((r) => (started = r));
    const cut = db.tx(async (c) => {
      await c.get('SELECT 1 AS one');
      started();
      await gate;
      return c.get('SELECT 2 AS two');
    });
    const outcome = cut.then(
      () => null,
      (err: unknown) => err,
    );
    await inside;
    await cluster.restart();
    resume();
    expect(await outcome).toMatchObject({ code: 'DATABASE_UNAVAILABLE', reason: 'unreachable' });
    expect(await db.get('SELECT 3 AS three')).toEqual({ three: 3 });
  } finally {
    await db.pool.end();
  }
});

it('answers DATABASE_UNAVAILABLE while nothing listens, at once', async () => {
  const store = await createStore(dbUrl, { log: silentLog, poolSize: 2 });
  try {
    await cluster.restart({
      whileDown: async () => {
        const started = performance.now();
        const err = await store.ping().then(
          () => null,
          (e: unknown) => e,
        );
        expect(err).toMatchObject({ code: 'DATABASE_UNAVAILABLE', reason: 'unreachable' });
        expect(performance.now() - started).toBeLessThan(2_000);
      },
    });
    await store.ping();
  } finally {
    await store.close();
  }
});
