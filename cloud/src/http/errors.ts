import {
  PROBLEM_CONTENT_TYPE,
  ProblemError,
  problem,
  type Problem,
  type ProblemCode,
} from '@lounge/shared';
import type { Context, ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { Logger } from 'pino';
import { ZodError } from 'zod';
import { CloudError } from '../errors.ts';
import { describeZodIssues } from './validation.ts';

/** Writes an RFC 9457 problem+json answer. */
function send(c: Context, body: Problem): Response {
  return c.body(JSON.stringify(body), body.status as 400, {
    'Content-Type': PROBLEM_CONTENT_TYPE,
  });
}

/** Writes the problem+json answer of a code. */
export function problemResponse(
  c: Context,
  code: ProblemCode,
  detail: string,
  extensions: Record<string, unknown> = {},
): Response {
  return send(c, problem(code, detail, extensions));
}

/**
 * The one error mapper: every ProblemError (the cloud's CloudError and its subclasses, and the
 * shared device-assertion check) by its code, with Retry-After when it carries one; then zod,
 * malformed JSON, size limit, then 500.
 */
export function createErrorHandler(log: Logger): ErrorHandler {
  return (err, c) => {
    if (err instanceof ProblemError) {
      const body = err.toProblem();
      // A cause kept from the client (a database host, a SQLSTATE) goes to the log instead.
      if (err instanceof CloudError && err.message !== err.detail) {
        log.warn(
          { err: err.message, code: err.code, path: c.req.path, ...err.extensions },
          body.title,
        );
      }
      const retry = err.extensions.retryAfterSeconds;
      if (typeof retry === 'number') c.header('Retry-After', String(retry));
      return send(c, body);
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
