/**
 * Errors the store adapters raise that callers switch on by `code` (STYLE.md 7). The HTTP layer
 * maps `DATABASE_UNAVAILABLE` to 503 with Retry-After (http/errors.ts); `SCHEMA_TOO_NEW` stops
 * the process at start-up.
 */

/** Why the database could not serve a request. */
export type UnavailableReason = 'unreachable' | 'pool-exhausted';

/**
 * The database did not answer: it is down, restarting, or unreachable (`unreachable`), or
 * every pooled connection stayed busy for the whole wait (`pool-exhausted`). Transient: the
 * same request may succeed a moment later, and nothing of a failed transaction was kept
 * unless it had already committed.
 */
export class DatabaseUnavailableError extends Error {
  readonly code = 'DATABASE_UNAVAILABLE';

  constructor(
    readonly reason: UnavailableReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DatabaseUnavailableError';
  }
}

/** The database was migrated by a newer release than this one: refuse to run on it. */
export class SchemaTooNewError extends Error {
  readonly code = 'SCHEMA_TOO_NEW';

  constructor(
    readonly found: number,
    readonly known: number,
  ) {
    super(
      `the database schema version ${found} is newer than this lounge-cloud, which knows up to ` +
        `${known}: run the release that migrated it (or a newer one), or restore a backup ` +
        `taken before that migration`,
    );
    this.name = 'SchemaTooNewError';
  }
}
