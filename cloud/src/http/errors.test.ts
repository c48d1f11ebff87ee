import { Hono } from 'hono';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { DatabaseUnavailableError, type UnavailableReason } from '../store/errors.ts';
import { createErrorHandler } from './errors.ts';

function appThrowing(err: unknown): Hono {
  const app = new Hono();
  app.get('/x', () => {
    throw err;
  });
  app.onError(createErrorHandler(pino({ level: 'silent' })));
  return app;
}

describe('createErrorHandler', () => {
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
