import { initial } from './001-initial.ts';
import { loungeEvents } from './002-lounge-events.ts';
import type { Migration } from './types.ts';

export type { Dialect, Migration } from './types.ts';

/** Every migration, in order. Append new ones; never edit one that has shipped. */
export const MIGRATIONS: readonly Migration[] = [initial, loungeEvents];

/** The bookkeeping table; created before anything else. */
export const MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  id INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`;
