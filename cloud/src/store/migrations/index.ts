import { SchemaTooNewError } from '../errors.ts';
import { initial } from './001-initial.ts';
import { loungeEvents } from './002-lounge-events.ts';
import { outboxBatchesAndKeyVersion } from './003-outbox-batches-and-key-version.ts';
import { sealedSecrets } from './004-sealed-secrets.ts';
import { outboxIndexes } from './005-outbox-indexes.ts';
import { signingKeyRetirement } from './006-signing-key-retirement.ts';
import { loungeCapacity } from './007-lounge-capacity.ts';
import { deviceHeartbeat } from './008-device-heartbeat.ts';
import type { Migration } from './types.ts';

export type { Dialect, Migration } from './types.ts';

/** Every migration, in order. Append new ones; never edit one that has shipped. */
export const MIGRATIONS: readonly Migration[] = [
  initial,
  loungeEvents,
  outboxBatchesAndKeyVersion,
  sealedSecrets,
  outboxIndexes,
  signingKeyRetirement,
  loungeCapacity,
  deviceHeartbeat,
];

/** The schema version this release knows: the id of its last migration. */
export const SCHEMA_VERSION = Math.max(...MIGRATIONS.map((m) => m.id));

/** The bookkeeping table; created before anything else. */
export const MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  id INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`;

/**
 * Throws SCHEMA_TOO_NEW when the database holds a migration this release does not know: an
 * older binary would read and write tables whose meaning has changed under it.
 */
export function checkSchemaVersion(applied: Iterable<number>): void {
  const found = Math.max(0, ...applied);
  if (found > SCHEMA_VERSION) throw new SchemaTooNewError(found, SCHEMA_VERSION);
}
