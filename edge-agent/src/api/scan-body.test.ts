import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { plainScanBody, scanBody } from './app.ts';

const token = fc.oneof(
  fc.string(),
  fc.constantFrom('T1', 'gate-2', 'a'.repeat(64), 'a'.repeat(65), '', 'x y', 'é'),
);
const value = fc.oneof(token, fc.integer(), fc.constant(null), fc.boolean(), fc.array(token));
const body = fc.oneof(
  fc.record({ code: value, gate: value, scanId: value, extra: value }, { requiredKeys: [] }),
  value,
);

describe('the scan body hand check', () => {
  it('accepts only what the schema accepts, with the same result', () => {
    fc.assert(
      fc.property(body, (raw) => {
        const fast = plainScanBody(raw);
        const parsed = scanBody.safeParse(raw);
        if (fast === undefined) return;
        expect(parsed.success).toBe(true);
        expect(JSON.parse(JSON.stringify(fast))).toEqual(parsed.data);
      }),
      { numRuns: 3000 },
    );
  });

  it('answers the plain bodies a turnstile sends', () => {
    for (const raw of [{ code: 'a.b.c' }, { code: 'x', gate: 'T1', scanId: 'turn-1' }]) {
      expect(plainScanBody(raw)).toEqual(scanBody.parse(raw));
    }
  });
});
