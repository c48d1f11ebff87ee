import { PROBLEM_CODES, problem, type ProblemCode } from '@lounge/shared';
import { Hono } from 'hono';
import { pino, type Logger } from 'pino';
import { describe, expect, it } from 'vitest';
import { CloudError } from '../errors.ts';
import { DatabaseUnavailableError, type UnavailableReason } from '../store/errors.ts';
import { createErrorHandler } from './errors.ts';

function appThrowing(err: unknown, log: Logger = pino({ level: 'silent' })): Hono {
  const app = new Hono();
  app.get('/x', () => {
    throw err;
  });
  app.onError(createErrorHandler(log));
  return app;
}

describe('createErrorHandler', () => {
  it('maps a CloudError of every code to problem+json with the status the code fixes', async () => {
    for (const [code, status] of Object.entries(PROBLEM_CODES) as [ProblemCode, number][]) {
      const res = await appThrowing(
        new CloudError(code, `detail of ${code}`, { field: 'x' }),
      ).request('/x');
      expect(res.status).toBe(status);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(res.headers.get('retry-after')).toBeNull();
      expect(await res.json()).toEqual(problem(code, `detail of ${code}`, { field: 'x' }));
    }
  });

  it('sends Retry-After when the error carries retryAfterSeconds', async () => {
    const err = new CloudError('RATE_LIMITED', 'too many requests', { retryAfterSeconds: 3 });
    const res = await appThrowing(err).request('/x');
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('3');
  });

  it('answers the detail and logs the private message of a CloudError that has one', async () => {
    const lines: string[] = [];
    const log = pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) });
    const err = new CloudError('NOT_READY', 'retry shortly', {}, { message: 'db at 10.0.0.5' });
    const res = await appThrowing(err, log).request('/x');
    expect(res.status).toBe(503);
    expect(((await res.json()) as { detail: string }).detail).toBe('retry shortly');
    expect(lines.join('')).toContain('db at 10.0.0.5');
  });

  it('answers DATABASE_UNAVAILABLE with 503 and Retry-After, without the cause', async () => {
    for (const reason of ['unreachable', 'pool-exhausted'] satisfies UnavailableReason[]) {
      const err = new DatabaseUnavailableError(reason, 'database unreachable: 10.0.0.5:5432');
      const res = await appThrowing(err).request('/x');
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('2');
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      const body = (await res.json()) as Record<string, unknown>;
      expect(body).toMatchObject({ status: 503, code: 'DATABASE_UNAVAILABLE', reason });
      expect(JSON.stringify(body)).not.toContain('10.0.0.5');
    }
  });

  it('still answers 500 INTERNAL to anything it does not know', async () => {
    const res = await appThrowing(new Error('boom')).request('/x');
    expect(res.status).toBe(500);
    expect(res.headers.get('retry-after')).toBeNull();
  });
});
