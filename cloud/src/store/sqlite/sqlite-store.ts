import { systemClock } from '@lounge/shared';
import type { CloudStore } from '../port.ts';
import type { StoreDeps } from '../common.ts';
import { migrateSqlite, openSqlite } from './connection.ts';
import { sqliteDevices } from './devices.ts';
import { sqliteInvitations } from './invitations.ts';
import { sqliteLoungeEvents } from './lounge-events.ts';
import { sqliteOutbox } from './outbox.ts';
import { sqliteApiKeys } from './api-keys.ts';
import { sqliteRecords } from './records.ts';
import { sqliteRetirement } from './retirement.ts';

/** The SQLite adapter: one process, one file (WAL). `path` may be `:memory:`. */
export function createSqliteStore(path: string, deps: StoreDeps): CloudStore {
  const clock = deps.clock ?? systemClock;
  const db = openSqlite(path);
  return {
    async migrate() {
      migrateSqlite(db, clock.now(), deps.log);
    },
    async ping() {
      db.get('SELECT 1 AS ok');
    },
    async close() {
      if (db.raw.open) db.raw.close();
    },
    ...sqliteRecords(db, clock),
    ...sqliteApiKeys(db),
    ...sqliteInvitations(db),
    ...sqliteLoungeEvents(db, clock),
    ...sqliteDevices(db, clock),
    ...sqliteOutbox(db),
    ...sqliteRetirement(db),
  };
}
