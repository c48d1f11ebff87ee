import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { expect, it } from 'vitest';
import { SCHEMA_VERSION } from '../../src/store/migrations/index.ts';
import { createStore, type CloudStore } from '../../src/store/index.ts';
import { silentLog } from '../contract/silent-log.ts';
import { runStoreContract } from '../contract/store-contract.ts';

// Each test: a file database in its own temp dir (a sub-folder, to prove the parent is created).
runStoreContract('sqlite', async ({ clock }) => {
  const dir = mkdtempSync(join(tmpdir(), 'lounge-store-'));
  const url = `sqlite:${join(dir, 'nested', 'cloud.db')}`;
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
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

// Not part of the contract: the raw row a newer release would have written.
it('refuses a database a newer release migrated, naming both versions', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lounge-store-'));
  const path = join(dir, 'cloud.db');
  try {
    const store = await createStore(`sqlite:${path}`, { log: silentLog });
    await store.migrate();
    await store.close();
    const raw = new Database(path);
    raw
      .prepare('INSERT INTO schema_migrations (id, name, applied_at) VALUES (?, ?, ?)')
      .run(SCHEMA_VERSION + 41, 'from-a-newer-release', 0);
    raw.close();

    const older = await createStore(`sqlite:${path}`, { log: silentLog });
    try {
      const err = await older.migrate().then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toMatchObject({ code: 'SCHEMA_TOO_NEW', found: SCHEMA_VERSION + 41 });
      expect(String(err)).toContain(`schema version ${SCHEMA_VERSION + 41}`);
      expect(String(err)).toContain(`knows up to ${SCHEMA_VERSION}`);
    } finally {
      await older.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
