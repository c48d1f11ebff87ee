import { describe, expect, it } from 'vitest';
import {
  apiKeyMatches,
  enrollmentTokenMatches,
  hashApiKey,
  hashEnrollmentToken,
  newApiKey,
  newEnrollmentToken,
  parseApiKey,
  parseEnrollmentToken,
} from './api-keys.ts';

describe('API keys', () => {
  it('carries its id, so lookup is by id, and matches only its own hash', () => {
    const { id, secret } = newApiKey();
    expect(secret).toMatch(/^lk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(parseApiKey(secret)).toBe(id);
    const stored = hashApiKey(secret);
    expect(stored).toMatch(/^[0-9a-f]{64}$/);
    expect(apiKeyMatches(secret, stored)).toBe(true);
    expect(apiKeyMatches(newApiKey().secret, stored)).toBe(false);
    expect(apiKeyMatches(secret.slice(0, -1) + (secret.endsWith('A') ? 'B' : 'A'), stored)).toBe(
      false,
    );
  });

  it('is different every time', () => {
    const a = newApiKey();
    const b = newApiKey();
    expect(a.id).not.toBe(b.id);
    expect(a.secret).not.toBe(b.secret);
  });

  it('uses the injected randomness', () => {
    const key = newApiKey((n) => new Uint8Array(n).fill(1));
    expect(key.id).toBe('0101010101010101');
    expect(key.secret).toBe(`lk_0101010101010101_${Buffer.alloc(32, 1).toString('base64url')}`);
  });

  it('parses nothing that is not an API key', () => {
    const { secret } = newApiKey();
    for (const bad of [
      '',
      'lk_',
      'Bearer ' + secret,
      secret + 'x',
      secret.replace('lk_', 'let_'),
    ]) {
      expect(parseApiKey(bad)).toBeNull();
    }
    expect(parseApiKey(undefined as unknown as string)).toBeNull();
  });

  it('never throws on a malformed stored hash', () => {
    const { secret } = newApiKey();
    expect(apiKeyMatches(secret, '')).toBe(false);
    expect(apiKeyMatches(secret, 'zz')).toBe(false);
    expect(apiKeyMatches(secret, hashApiKey(secret).slice(2))).toBe(false);
  });
});

describe('enrolment tokens', () => {
  it('follow the same pattern with their own prefix', () => {
    const { id, secret } = newEnrollmentToken();
    expect(secret).toMatch(/^let_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(parseEnrollmentToken(secret)).toBe(id);
    expect(parseApiKey(secret)).toBeNull();
    expect(enrollmentTokenMatches(secret, hashEnrollmentToken(secret))).toBe(true);
    expect(enrollmentTokenMatches(newEnrollmentToken().secret, hashEnrollmentToken(secret))).toBe(
      false,
    );
  });
});
