import { describe, expect, it } from 'vitest';
import { formatCheck, formatReport, truncate } from './output.ts';

describe('doctor report formatting', () => {
  it('prints ✔ lines, ✖ lines with the hint under them, and a summary', () => {
    const lines = formatReport([
      { name: 'config', ok: true, detail: 'valid', hint: 'never shown on success' },
      { name: 'mqtt', ok: false, detail: 'cannot log in', hint: 'check the firewall' },
    ]);
    expect(lines).toEqual([
      '✔ config: valid',
      '✖ mqtt: cannot log in',
      '  → check the firewall',
      '1 of 2 checks failed',
    ]);
  });

  it('sums up a clean run', () => {
    expect(formatReport([{ name: 'disk', ok: true, detail: '3 GB free' }]).at(-1)).toBe(
      'all checks passed',
    );
    expect(formatCheck({ name: 'x', ok: false, detail: 'no hint' })).toEqual(['✖ x: no hint']);
  });

  it('truncates long codes and says how long they were', () => {
    expect(truncate('abc')).toBe('abc');
    expect(truncate('x'.repeat(300), 10)).toBe('xxxxxxxxxx… (300 chars)');
  });
});
