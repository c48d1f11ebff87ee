import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
