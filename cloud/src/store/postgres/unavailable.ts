import { DatabaseUnavailableError } from '../errors.ts';

// Socket-level failures: the server is not there, or the connection to it broke.
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

// SQLSTATEs of a server that is going away or not accepting yet (PostgreSQL appendix A):
// class 08 connection exceptions, 57P01 admin_shutdown (what `pg_ctl stop -m fast` sends),
// 57P02 crash_shutdown, 57P03 cannot_connect_now (starting up, shutting down, recovering),
// 53300 too_many_connections.
const SERVER_CODES = /^(08...|57P0[1-3]|53300)$/;

// What pg and pg-pool say when a connection is gone or never came (pg 8, pg-pool 3).
const DRIVER_MESSAGES = [
  'Connection terminated',
  'Client has encountered a connection error and is not queryable',
  'Client was closed and is not queryable',
];
// pg-pool's answer when every client stayed checked out for connectionTimeoutMillis. A new
// connection that does not complete in time says "Connection terminated due to connection
// timeout" instead: that is the server being unreachable.
const POOL_TIMEOUT = 'timeout exceeded when trying to connect';

/**
 * Turns a pg error that means "the database is not there right now" into DATABASE_UNAVAILABLE;
 * returns any other error (a constraint violation, a bug) unchanged.
 */
export function asUnavailable(err: unknown, poolSize: number): unknown {
  if (!(err instanceof Error) || err instanceof DatabaseUnavailableError) return err;
  if (err.message === POOL_TIMEOUT) {
    return new DatabaseUnavailableError(
      'pool-exhausted',
      `database pool exhausted: all ${poolSize} connections stayed busy (DATABASE_POOL_SIZE)`,
      { cause: err },
    );
  }
  const code = (err as { code?: unknown }).code;
  const down =
    (typeof code === 'string' && (NETWORK_CODES.has(code) || SERVER_CODES.test(code))) ||
    DRIVER_MESSAGES.some((m) => err.message.startsWith(m));
  if (!down) return err;
  const detail = err.message || (typeof code === 'string' ? code : 'no answer');
  return new DatabaseUnavailableError('unreachable', `database unreachable: ${detail}`, {
    cause: err,
  });
}
