import { describe, expect, it } from 'vitest';
import { ProblemError, problem } from './problem.ts';
import { PROBLEM_CODES } from './reasons.ts';

describe('problem', () => {
  it('builds RFC 9457 bodies with our stable code', () => {
    expect(problem('NOT_ELIGIBLE', 'member is suspended')).toEqual({
      type: 'https://lounge.example/problems/not-eligible',
      title: 'Not eligible',
      status: 403,
      detail: 'member is suspended',
      code: 'NOT_ELIGIBLE',
    });
  });

  it('carries the code and status on the error', () => {
    const err = new ProblemError('TOO_MANY_GUESTS', '3 guests, 1 allowed', { field: 'guests' });
    expect(err.status).toBe(422);
    expect(err.toProblem()).toMatchObject({ code: 'TOO_MANY_GUESTS', field: 'guests' });
  });

  it('uses UPPER_SNAKE codes with HTTP error statuses', () => {
    for (const [code, status] of Object.entries(PROBLEM_CODES)) {
      expect(code).toMatch(/^[A-Z]+(_[A-Z]+)*$/);
      expect(status).toBeGreaterThanOrEqual(400);
    }
  });
});
