import { describe, expect, it } from 'vitest';
import { DatabaseUnavailableError } from '../errors.ts';
import { asUnavailable } from './unavailable.ts';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('asUnavailable', () => {
  it('names a database that is down, restarting or cut off DATABASE_UNAVAILABLE (unreachable)', () => {
    const cases = [
      withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'),
      withCode('terminating connection due to administrator command', '57P01'),
      withCode('the database system is shutting down', '57P03'),
      withCode('the database system is starting up', '57P03'),
      withCode('sorry, too many clients already', '53300'),
      withCode('connection failure', '08006'),
      new Error('Connection terminated unexpectedly'),
      new Error('Connection terminated due to connection timeout'),
      new Error('Client has encountered a connection error and is not queryable'),
      // Node's happy-eyeballs connect: an AggregateError with a code and no message.
      Object.assign(new AggregateError([], ''), { code: 'ECONNREFUSED' }),
    ];
    for (const err of cases) {
      const out = asUnavailable(err, 10);
      expect(out).toBeInstanceOf(DatabaseUnavailableError);
      expect(out).toMatchObject({
        code: 'DATABASE_UNAVAILABLE',
        reason: 'unreachable',
        cause: err,
      });
      expect((out as Error).message).toMatch(/^database unreachable: \S/);
    }
  });

  it('tells an exhausted pool apart, naming its size', () => {
    const out = asUnavailable(new Error('timeout exceeded when trying to connect'), 4);
    expect(out).toMatchObject({ code: 'DATABASE_UNAVAILABLE', reason: 'pool-exhausted' });
    expect((out as Error).message).toContain('all 4 connections');
  });

  it('leaves every other error alone', () => {
    const cases = [
      withCode('duplicate key value violates unique constraint', '23505'),
      withCode('could not serialize access', '40001'),
      withCode('canceling statement due to statement timeout', '57014'),
      new TypeError('x is undefined'),
      'a string',
    ];
    for (const err of cases) expect(asUnavailable(err, 10)).toBe(err);
  });
});
