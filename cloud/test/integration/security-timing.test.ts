import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Grep-level guard: every module that compares a secret (API keys, enrolment tokens, link
// signatures, MQTT passwords, the edge api.token) does it with timingSafeEqual, and none
// compares a hash, digest or signature with === or !==.
const root = fileURLToPath(new URL('../../../', import.meta.url));
const SECRET_COMPARERS = [
  'cloud/src/security/prefixed-secret.ts',
  'cloud/src/security/signed-link.ts',
  'cloud/src/security/passwords.ts',
  'cloud/src/broker/device-auth.ts',
  'edge-agent/src/api/app.ts',
];
const PLAIN_COMPARE =
  /\b\w*(hash|digest|sig|signature|secret|password|token)\w*\s*[!=]==\s*[\w'"`]/i;

describe('timing-safe secret comparisons', () => {
  it('the guard itself catches a plain comparison (control)', () => {
    expect(PLAIN_COMPARE.test('  if (sig === expected) return true;')).toBe(true);
    expect(PLAIN_COMPARE.test('  return storedHash !== hashOf(secret);')).toBe(true);
  });

  for (const file of SECRET_COMPARERS) {
    it(`${file} compares secrets with timingSafeEqual only`, () => {
      const text = readFileSync(root + file, 'utf8');
      expect(text).toMatch(/\btimingSafeEqual\(/);
      const offending = text
        .split('\n')
        .filter((line) => !line.trim().startsWith('//') && PLAIN_COMPARE.test(line))
        // Comparing lengths or types first is fine: they are not secret.
        .filter((line) => !/\.length\s*[!=]==|typeof /.test(line));
      expect(offending).toEqual([]);
    });
  }
});
