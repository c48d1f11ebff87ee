import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from './duration.ts';

describe('parseDuration', () => {
  it('reads seconds, minutes, hours and days', () => {
    expect(parseDuration('4h')).toBe(14_400);
    expect(parseDuration('30m')).toBe(1_800);
    expect(parseDuration('90s')).toBe(90);
    expect(parseDuration('2d')).toBe(172_800);
    expect(parseDuration('45')).toBe(45);
  });

  it('names the bad input', () => {
    expect(() => parseDuration('4 hours')).toThrow(/"4 hours"/);
    expect(() => parseDuration('-3m')).toThrow(RangeError);
    expect(() => parseDuration('')).toThrow(RangeError);
  });

  it('formats back to the largest whole unit', () => {
    expect(formatDuration(14_400)).toBe('4h');
    expect(formatDuration(1_800)).toBe('30m');
    expect(formatDuration(61)).toBe('61s');
  });
});
