import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startPostgres, type PostgresCluster } from '../../../test/helpers/postgres.ts';
import { createStore, type CloudStore } from '../../src/store/index.ts';
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
