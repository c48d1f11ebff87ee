import pg from 'pg';
import { MIGRATIONS, MIGRATIONS_TABLE, checkSchemaVersion } from '../migrations/index.ts';
import type { StoreLog } from '../common.ts';
import type { Row } from '../rows.ts';
import { numbered } from '../sql.ts';
import { asUnavailable } from './unavailable.ts';

type Param = string | number | boolean | Buffer | null | string[];

// Serialisation failures and deadlocks are safe to retry: the transaction left nothing behind.
const RETRYABLE = new Set(['40001', '40P01']);
const MAX_ATTEMPTS = 5;
// Arbitrary, fixed: every instance takes the same advisory lock to migrate.
const MIGRATION_LOCK = 7_306_916_013_231;

const numberedCache = new Map<string, string>();
function toPg(sql: string): string {
  let out = numberedCache.get(sql);
  if (out === undefined) {
    out = numbered(sql);
    numberedCache.set(sql, out);
  }
  return out;
}

/** Queries on a pool or on one transaction's client, with SQL written with `?`. */
export class PgConn {
  constructor(
    private readonly client: pg.Pool | pg.PoolClient,
    /** For the DATABASE_UNAVAILABLE message of an exhausted pool. */
    protected readonly poolSize: number,
  ) {}

  private async query(sql: string, params: Param[]): Promise<pg.QueryResult> {
    try {
      return await this.client.query(toPg(sql), params);
    } catch (err) {
      throw asUnavailable(err, this.poolSize);
    }
  }

  async all(sql: string, ...params: Param[]): Promise<Row[]> {
    return (await this.query(sql, params)).rows as Row[];
  }

  async get(sql: string, ...params: Param[]): Promise<Row | undefined> {
    return (await this.all(sql, ...params))[0];
  }

  /** Runs a statement; returns the number of rows it touched. */
  async run(sql: string, ...params: Param[]): Promise<number> {
    return (await this.query(sql, params)).rowCount ?? 0;
  }
}

/**
 * A pg Pool plus transactions that retry on serialisation failure and deadlock. A lost or
 * missing server surfaces as DATABASE_UNAVAILABLE (errors.ts), never as a crash.
 */
export class PgDb extends PgConn {
  constructor(
    readonly pool: pg.Pool,
    poolSize: number,
  ) {
    super(pool, poolSize);
  }

  /** Runs `fn` in a READ COMMITTED transaction; `fn` may run again, so it must not have side effects. */
  async tx<T>(fn: (c: PgConn) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.pool.connect().catch((err: unknown) => {
        throw asUnavailable(err, this.poolSize);
      });
      let broken: Error | undefined;
      // pg-pool takes its own 'error' listener off a client while it is checked out. Without
      // ours, a server that cuts the connection mid-transaction (a restart sends FATAL 57P01)
      // raises an unhandled 'error' event, which ends the process. The query running then, or
      // the next one, fails on its own; here we only note that the client is dead.
      const onError = (err: Error) => (broken ??= err);
      client.on('error', onError);
      try {
        await client.query('BEGIN');
        const result = await fn(new PgConn(client, this.poolSize));
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch((e: Error) => (broken ??= e));
        const code = (err as { code?: string }).code;
        if (attempt < MAX_ATTEMPTS && code && RETRYABLE.has(code)) continue;
        throw asUnavailable(err, this.poolSize);
      } finally {
        client.off('error', onError);
        client.release(broken);
      }
    }
  }
}

/** Connections per instance when DATABASE_POOL_SIZE is not set (SPEC.md section 3). */
export const DEFAULT_POOL_SIZE = 10;

/** A pool whose idle-client errors are logged instead of crashing the process. */
export function openPostgres(url: string, log: StoreLog, poolSize = DEFAULT_POOL_SIZE): PgDb {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    // How long a request waits for a connection (from a full pool, or a new one) before it
    // answers 503 DATABASE_UNAVAILABLE.
    connectionTimeoutMillis: 5_000,
    // A stuck lock wait fails the request instead of hanging it; visible in pg_stat_activity.
    statement_timeout: 30_000,
    application_name: 'lounge-cloud',
  });
  // An idle client whose server went away: pg-pool has already dropped it, the next query
  // opens a new connection.
  pool.on('error', (err) => log.warn({ err: err.message }, 'postgres: idle client error'));
  return new PgDb(pool, poolSize);
}

/**
 * Applies pending migrations in one transaction under pg_advisory_xact_lock; refuses
 * (SCHEMA_TOO_NEW) a database a newer release has migrated.
 */
export async function migratePostgres(db: PgDb, now: number, log: StoreLog): Promise<void> {
  await db.tx(async (c) => {
    // Migrations (and waiting for another instance's) may take longer than a request may.
    await c.run('SET LOCAL statement_timeout = 0');
    await c.all('SELECT pg_advisory_xact_lock(?)', MIGRATION_LOCK);
    await c.run(MIGRATIONS_TABLE);
    const applied = new Set(
      (await c.all('SELECT id FROM schema_migrations')).map((r) => Number(r.id)),
    );
    checkSchemaVersion(applied);
    for (const m of MIGRATIONS) {
      if (applied.has(m.id)) continue;
      // One round trip: without parameters pg sends it as a simple (multi-statement) query.
      const statements = m.up('postgres');
      if (statements.length > 0) await c.run(statements.join(';\n'));
      await c.run(
        'INSERT INTO schema_migrations (id, name, applied_at) VALUES (?, ?, ?)',
        m.id,
        m.name,
        now,
      );
      log.info({ migration: m.id, name: m.name }, 'migration applied');
    }
  });
}
