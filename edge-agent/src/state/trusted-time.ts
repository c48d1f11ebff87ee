import { prep, type Db } from './db.ts';

/** What trusted sources told us about time, kept across restarts. */
export interface TrustedTime {
  /** The latest instant a trusted source vouched for: now is at least this. */
  trustedMs: number;
  source: string;
  /** Our clock minus the cloud's at the last exact measurement (cloud `Date` header). */
  skewMs: number | null;
  measuredAt: number | null;
}

interface Row {
  trusted_ms: number;
  source: string;
  skew_ms: number | null;
  measured_at: number | null;
}

/**
 * The trusted-time row: a lower bound for "now" and the last measured skew. Every decision
 * reads it (clock check), so the committed row is kept in memory; this store is its only
 * writer and drops the copy on each write.
 */
export class TrustedTimeStore {
  /** The committed row; null when it must be read again. */
  private cached: TrustedTime | undefined | null = null;

  constructor(private readonly db: Db) {}

  get(): TrustedTime | undefined {
    if (this.cached !== null) return this.cached;
    const value = this.read();
    // Inside a transaction the row may still be rolled back: do not keep it.
    if (!this.db.inTransaction) this.cached = value;
    return value;
  }

  private read(): TrustedTime | undefined {
    const row = prep<[], Row>(this.db, 'SELECT * FROM trusted_time WHERE id = 1').get();
    return (
      row && {
        trustedMs: row.trusted_ms,
        source: row.source,
        skewMs: row.skew_ms,
        measuredAt: row.measured_at,
      }
    );
  }

  /** Raises the lower bound (never lowers it: a stale message must not pull time back). */
  raise(trustedMs: number, source: string): void {
    this.cached = null;
    prep(
      this.db,
      `INSERT INTO trusted_time (id, trusted_ms, source) VALUES (1, ?, ?)
       ON CONFLICT (id) DO UPDATE SET trusted_ms = excluded.trusted_ms, source = excluded.source
       WHERE excluded.trusted_ms > trusted_time.trusted_ms`,
    ).run(trustedMs, source);
  }

  /** Records an exact measurement of our clock against the cloud's. */
  measure(cloudMs: number, localMs: number, source: string): void {
    this.cached = null;
    this.db
      .transaction(() => {
        this.raise(cloudMs, source);
        prep(this.db, 'UPDATE trusted_time SET skew_ms = ?, measured_at = ? WHERE id = 1').run(
          localMs - cloudMs,
          localMs,
        );
      })
      .immediate();
  }
}
