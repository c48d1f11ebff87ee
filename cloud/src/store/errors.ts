import { CloudError } from '../errors.ts';

/**
 * Errors the store adapters raise that callers switch on by `code` (STYLE.md 7).
 * `DATABASE_UNAVAILABLE` is a CloudError: the HTTP layer answers it 503 with Retry-After, like
 * any other; `SCHEMA_TOO_NEW` stops the process at start-up.
 */

/** Retry-After (seconds) on DATABASE_UNAVAILABLE: a restart or a busy pool passes in seconds. */
export const DATABASE_RETRY_AFTER_SECONDS = 2;

/** Why the database could not serve a request. */
export type UnavailableReason = 'unreachable' | 'pool-exhausted';

const DATABASE_DETAIL = {
  unreachable: 'the database is unavailable; retry shortly',
  'pool-exhausted': 'every database connection of this instance is busy; retry shortly',
} as const;

/**
 * The database did not answer: it is down, restarting, or unreachable (`unreachable`), or
 * every pooled connection stayed busy for the whole wait (`pool-exhausted`). Transient: the
 * same request may succeed a moment later, and nothing of a failed transaction was kept
 * unless it had already committed. The `message` (host, port, SQLSTATE) goes to the log and
 * `/readyz`; API clients read only the `detail`.
 */
export class DatabaseUnavailableError extends CloudError {
  constructor(
    readonly reason: UnavailableReason,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(
      'DATABASE_UNAVAILABLE',
      DATABASE_DETAIL[reason],
      { reason, retryAfterSeconds: DATABASE_RETRY_AFTER_SECONDS },
      { ...options, message },
    );
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
