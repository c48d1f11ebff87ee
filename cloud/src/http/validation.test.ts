import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { describeZodIssues } from './validation.ts';

const body = z.strictObject({
  loungeId: z.string().regex(/^[A-Z]{3}-/, 'expected e.g. MAD-T4S-VELAZQUEZ'),
  flight: z.strictObject({ number: z.string(), date: z.iso.date() }),
  guests: z.number().int().min(0).max(20).optional(),
  role: z.enum(['app', 'admin']).optional(),
  name: z.string().min(1).optional(),
});

const detailOf = (input: unknown, target = 'json'): string => {
  const parsed = body.safeParse(input);
  if (parsed.success) return 'OK';
  return describeZodIssues(parsed.error.issues, target, input).detail;
};

const valid = { loungeId: 'MAD-T4S-X', flight: { number: 'IB1', date: '2030-01-31' } };

describe('describeZodIssues', () => {
  it('writes one plain sentence per kind of issue', () => {
    expect(detailOf(valid)).toBe('OK');
    expect(detailOf({ flight: valid.flight })).toBe('loungeId is required');
    expect(detailOf({ ...valid, flight: { number: 'IB1' } })).toBe('flight.date is required');
    expect(detailOf({ ...valid, guest: 2 })).toBe('unknown field guest');
    expect(detailOf({ ...valid, a: 1, b: 2 })).toBe('unknown fields a, b');
    expect(detailOf({ ...valid, a: 1 }, 'query')).toBe('unknown parameter a');
    expect(detailOf({ ...valid, guests: 'two' })).toBe('guests must be a number');
    expect(detailOf({ ...valid, guests: 1.5 })).toBe('guests must be an integer');
    expect(detailOf({ ...valid, guests: 21 })).toBe('guests must be at most 20');
    expect(detailOf({ ...valid, name: '' })).toBe('name must not be empty');
    expect(detailOf({ ...valid, role: 'root' })).toBe('role must be one of "app", "admin"');
    expect(detailOf({ ...valid, flight: { number: 'IB1', date: 'soon' } })).toBe(
      'flight.date must be a date (YYYY-MM-DD)',
    );
    expect(detailOf({ ...valid, loungeId: 'nope' })).toBe(
      'loungeId is not valid: expected e.g. MAD-T4S-VELAZQUEZ',
    );
    expect(detailOf([])).toBe('body must be an object');
  });

  it('puts unknown names first: a misspelt field explains the missing one', () => {
    const { detail, errors } = describeZodIssues(
      body.safeParse({ flight: valid.flight, loungeID: 'MAD-X' }).error!.issues,
      'json',
      { flight: valid.flight, loungeID: 'MAD-X' },
    );
    expect(detail).toBe('unknown field loungeID');
    expect(errors).toEqual([
      { field: 'loungeID', message: 'unknown field loungeID' },
      { field: 'loungeId', message: 'loungeId is required' },
    ]);
  });
});
