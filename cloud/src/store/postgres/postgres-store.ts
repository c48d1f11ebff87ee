import { systemClock } from '@lounge/shared';
import type { CloudStore } from '../port.ts';
import type { StoreDeps } from '../common.ts';
import { migratePostgres, openPostgres } from './connection.ts';
import { postgresDevices } from './devices.ts';
import { postgresInvitations } from './invitations.ts';
import { postgresLoungeEvents } from './lounge-events.ts';
import { postgresOutbox } from './outbox.ts';
import { postgresApiKeys } from './api-keys.ts';
import { postgresRecords } from './records.ts';
import { postgresRetirement } from './retirement.ts';

/** The PostgreSQL adapter: a pg Pool; any number of cloud instances may share the database. */
export function createPostgresStore(url: string, deps: StoreDeps): CloudStore {
  const clock = deps.clock ?? systemClock;
  const db = openPostgres(url, deps.log, deps.poolSize);
  let closed = false;
  return {
    async migrate() {
      await migratePostgres(db, clock.now(), deps.log);
    },
    async ping() {
      await db.get('SELECT 1 AS ok');
    },
    async close() {
      if (closed) return;
      closed = true;
      await db.pool.end();
    },
    ...postgresRecords(db, clock),
    ...postgresApiKeys(db),
    ...postgresInvitations(db),
    ...postgresLoungeEvents(db, clock),
    ...postgresDevices(db, clock),
    ...postgresOutbox(db),
    ...postgresRetirement(db),
  };
}
