import { PROBLEM_CONTENT_TYPE, ProblemError, problem, type ProblemCode } from '@lounge/shared';
import type { Context, ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { Logger } from 'pino';
import { ZodError } from 'zod';
import { DatabaseUnavailableError } from '../store/errors.ts';
import { describeZodIssues } from './validation.ts';

/** Retry-After (seconds) on DATABASE_UNAVAILABLE: a restart or a busy pool passes in seconds. */
export const DATABASE_RETRY_AFTER_SECONDS = 2;

const DATABASE_DETAIL = {
  unreachable: 'the database is unavailable; retry shortly',
  'pool-exhausted': 'every database connection of this instance is busy; retry shortly',
} as const;

/** Writes an RFC 9457 problem+json answer. */
export function problemResponse(
  c: Context,
  code: ProblemCode,
  detail: string,
  extensions: Record<string, unknown> = {},
): Response {
  const body = problem(code, detail, extensions);
  return c.body(JSON.stringify(body), body.status as 400, {
    'Content-Type': PROBLEM_CONTENT_TYPE,
  });
}

/**
 * The one error mapper: domain errors, the database being away (503 + Retry-After), zod,
 * malformed JSON, size limit, then 500.
 */
export function createErrorHandler(log: Logger): ErrorHandler {
  return (err, c) => {
    if (err instanceof ProblemError) {
      const retry = err.extensions.retryAfterSeconds;
      if (typeof retry === 'number') c.header('Retry-After', String(retry));
      return problemResponse(c, err.code, err.message, err.extensions);
    }
    if (err instanceof DatabaseUnavailableError) {
      // The cause (host, port, SQLSTATE) goes to the log and /readyz, not to API clients.
      log.warn({ err: err.message, reason: err.reason, path: c.req.path }, 'database unavailable');
      c.header('Retry-After', String(DATABASE_RETRY_AFTER_SECONDS));
      return problemResponse(c, 'DATABASE_UNAVAILABLE', DATABASE_DETAIL[err.reason], {
        reason: err.reason,
        retryAfterSeconds: DATABASE_RETRY_AFTER_SECONDS,
      });
    }
    if (err instanceof ZodError) {
      const { detail, errors } = describeZodIssues(err.issues);
      return problemResponse(c, 'INVALID_REQUEST', detail, { errors });
    }
    if (err instanceof HTTPException) {
      if (err.status === 413) return problemResponse(c, 'PAYLOAD_TOO_LARGE', 'body over 64 KiB');
      if (err.status === 400) {
        return problemResponse(c, 'INVALID_REQUEST', 'the body is not valid JSON');
      }
      if (err.status === 415) {
        return problemResponse(c, 'UNSUPPORTED_MEDIA_TYPE', 'send the body as application/json');
      }
      if (err.status === 401) return problemResponse(c, 'UNAUTHORIZED', err.message);
    }
    log.error({ err, path: c.req.path }, 'unhandled error');
    return problemResponse(c, 'INTERNAL', 'internal error');
  };
}

export const notFound: NotFoundHandler = (c) =>
  problemResponse(c, 'NOT_FOUND', `no route ${c.req.method} ${c.req.path}`);
