import type { CloudStore } from './port.ts';
import type { StoreDeps } from './common.ts';
import { parseDatabaseUrl } from './database-url.ts';
import { createPostgresStore } from './postgres/postgres-store.ts';
import { createSqliteStore } from './sqlite/sqlite-store.ts';

export type * from './port.ts';
export type { StoreDeps, StoreLog } from './common.ts';
export { parseDatabaseUrl } from './database-url.ts';
export { DatabaseUnavailableError, SchemaTooNewError, type UnavailableReason } from './errors.ts';

/**
 * Opens the store named by DATABASE_URL (`sqlite:PATH` or `postgres://…`). It does not migrate:
 * call `store.migrate()` (serve and `lounge-cloud migrate` do).
 */
export async function createStore(databaseUrl: string, deps: StoreDeps): Promise<CloudStore> {
  const target = parseDatabaseUrl(databaseUrl);
  return target.kind === 'sqlite'
    ? createSqliteStore(target.path, deps)
    : createPostgresStore(target.url, deps);
}
