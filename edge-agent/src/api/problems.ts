import { PROBLEM_CONTENT_TYPE, ProblemError, problem } from '@lounge/shared';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { Logger } from 'pino';
import type { z } from 'zod';

/** A problem+json response (RFC 9457). */
export function problemResponse(err: ProblemError, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(err.toProblem()), {
    status: err.status,
    headers: { 'content-type': PROBLEM_CONTENT_TYPE, ...headers },
  });
}

/** The one error mapper of the local API: domain codes to problem+json, the rest to 500. */
export function onApiError(log: Logger) {
  return (err: Error, c: Context): Response => {
    if (err instanceof ProblemError) return problemResponse(err);
    if (err instanceof HTTPException && err.status === 413) {
      return problemResponse(new ProblemError('PAYLOAD_TOO_LARGE', 'body over 16 KiB'));
    }
    if (err instanceof HTTPException) {
      const body = problem('INVALID_REQUEST', err.message || 'bad request');
      return new Response(JSON.stringify({ ...body, status: err.status }), {
        status: err.status,
        headers: { 'content-type': PROBLEM_CONTENT_TYPE },
      });
    }
    log.error({ err, path: c.req.path }, 'local API error');
    return problemResponse(new ProblemError('INTERNAL', 'internal error'));
  };
}

/**
 * Parses a JSON body against a schema; anything wrong is 400 INVALID_REQUEST naming the field.
 * With `empty`, a missing body stands for that value (all-optional bodies). `plain`, a hot
 * route's hand check, answers the bodies it fully accepts; the rest go to the schema.
 */
export async function readJson<T extends z.ZodType>(
  c: Context,
  schema: T,
  empty?: unknown,
  plain?: (raw: unknown) => z.infer<T> | undefined,
): Promise<z.infer<T>> {
  const text = await c.req.text();
  let raw: unknown;
  try {
    raw = empty !== undefined && text.trim() === '' ? empty : JSON.parse(text);
  } catch {
    throw new ProblemError('INVALID_REQUEST', 'body is not valid JSON');
  }
  const fast = plain?.(raw);
  if (fast !== undefined) return fast;
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.map(String).join('.') || 'body';
    throw new ProblemError('INVALID_REQUEST', `${field}: ${issue?.message ?? 'invalid'}`, {
      field,
    });
  }
  return parsed.data;
}
