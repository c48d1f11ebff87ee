import { createHmac } from 'node:crypto';
import { SUBJECT_RE } from '@lounge/shared';
import { describe, expect, it } from 'vitest';
import { pseudonymize } from './pseudonym.ts';
import { randomSecret } from './random.ts';

describe('pseudonymize', () => {
  const secret = new Uint8Array(32).fill(3);

  it('is the first 22 base64url characters of HMAC-SHA256, a valid token sub', () => {
    const sub = pseudonymize('IB123456789', secret);
    const full = createHmac('sha256', secret).update('IB123456789').digest('base64url');
    expect(sub).toBe(full.slice(0, 22));
    expect(sub).toMatch(SUBJECT_RE);
    expect(sub).not.toContain('123456789');
  });

  it('is stable per customer and secret, different across them', () => {
    expect(pseudonymize('IB1', secret)).toBe(pseudonymize('IB1', secret));
    expect(pseudonymize('IB1', secret)).not.toBe(pseudonymize('IB2', secret));
    expect(pseudonymize('IB1', secret)).not.toBe(pseudonymize('IB1', randomSecret()));
  });

  it('randomSecret gives fresh bytes of the asked length', () => {
    expect(randomSecret()).toHaveLength(32);
    expect(randomSecret(16)).toHaveLength(16);
    expect(Buffer.from(randomSecret()).equals(Buffer.from(randomSecret()))).toBe(false);
  });
});
