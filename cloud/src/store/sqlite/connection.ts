import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS, MIGRATIONS_TABLE, checkSchemaVersion } from '../migrations/index.ts';
import type { StoreLog } from '../common.ts';
import type { Row, SqlValue as Param } from '../rows.ts';

/**
 * One better-sqlite3 connection with a statement cache. Transactions are synchronous and start
 * with BEGIN IMMEDIATE: the write lock is taken up front and never held across an `await`, so
 * two store instances (or processes) on one file wait on busy_timeout instead of deadlocking.
 */
export class SqliteDb {
  private readonly statements = new Map<string, Database.Statement>();

  constructor(readonly raw: Database.Database) {}

  private stmt(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.raw.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  get(sql: string, ...params: Param[]): Row | undefined {
    return this.stmt(sql).get(...params) as Row | undefined;
  }

  all(sql: string, ...params: Param[]): Row[] {
    return this.stmt(sql).all(...params) as Row[];
  }

  /** Runs a statement; returns the number of rows it changed. */
  run(sql: string, ...params: Param[]): number {
    return this.stmt(sql).run(...params).changes;
  }

  /** Runs `fn` in a BEGIN IMMEDIATE transaction (rolled back if it throws). */
  tx<T>(fn: () => T): T {
    return this.raw.transaction(fn).immediate();
  }
}

/**
 * The database holds sealed keys, key hashes and customer data: its folder is 0700 and the
 * database, `-wal` and `-shm` files 0600, also when an older release left them 0755/0644.
 * SQLite creates `-wal` and `-shm` with the mode of the database file, so creating that file
 * 0600 before SQLite does covers them too.
 */
export function restrictSqliteFiles(path: string): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  try {
    chmodSync(dir, 0o700);
  } catch (err) {
    // A shared folder we do not own (/tmp): the 0600 files are what protects the data there.
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') throw err;
  }
  closeSync(openSync(path, 'a', 0o600));
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    if (existsSync(file)) chmodSync(file, 0o600);
  }
}

/** Opens (creating the parent directory) with WAL, synchronous=NORMAL, busy_timeout, FKs. */
export function openSqlite(path: string): SqliteDb {
  if (path !== ':memory:') restrictSqliteFiles(path);
  const raw = new Database(path);
  // busy_timeout first: switching to WAL needs a lock another process may be holding.
  raw.pragma('busy_timeout = 10000');
  raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = NORMAL');
  raw.pragma('foreign_keys = ON');
  return new SqliteDb(raw);
}

/**
 * Applies pending migrations in one BEGIN IMMEDIATE transaction (SQLite DDL is transactional);
 * refuses (SCHEMA_TOO_NEW) a database a newer release has migrated.
 */
export function migrateSqlite(db: SqliteDb, now: number, log: StoreLog): void {
  db.tx(() => {
    db.raw.exec(MIGRATIONS_TABLE);
    const applied = new Set(db.all('SELECT id FROM schema_migrations').map((r) => Number(r.id)));
    checkSchemaVersion(applied);
    for (const m of MIGRATIONS) {
      if (applied.has(m.id)) continue;
      for (const statement of m.up('sqlite')) db.raw.exec(statement);
      db.run(
        'INSERT INTO schema_migrations (id, name, applied_at) VALUES (?, ?, ?)',
        m.id,
        m.name,
        now,
      );
      log.info({ migration: m.id, name: m.name }, 'migration applied');
    }
  });
}
