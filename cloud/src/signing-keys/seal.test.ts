import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SigningKeyError } from './errors.ts';
import { generateSigningKey } from './generate.ts';
import { isSealed, openPrivateKey, openSecret, sealPrivateKey, sealSecret } from './seal.ts';

const kek = new Uint8Array(randomBytes(32));

function decryptFailure(fn: () => unknown): SigningKeyError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(SigningKeyError);
    expect((err as SigningKeyError).code).toBe('KEY_DECRYPT_FAILED');
    expect((err as Error).message).toMatch(/KEY_ENCRYPTION_KEY/);
    return err as SigningKeyError;
  }
  throw new Error('expected KEY_DECRYPT_FAILED');
}

describe('sealPrivateKey / openPrivateKey', () => {
  it('round-trips a private JWK and never shows it in the sealed string', async () => {
    const { privateJwk } = await generateSigningKey(0);
    const sealed = sealPrivateKey(privateJwk, kek);
    expect(sealed).toMatch(/^v1\./);
    expect(sealed).not.toContain(privateJwk.d);
    expect(openPrivateKey(sealed, kek)).toEqual(privateJwk);
  });

  it('uses a fresh IV every time', async () => {
    const { privateJwk } = await generateSigningKey(0);
    expect(sealPrivateKey(privateJwk, kek)).not.toBe(sealPrivateKey(privateJwk, kek));
  });

  it('refuses a wrong KEK with KEY_DECRYPT_FAILED', async () => {
    const sealed = sealPrivateKey((await generateSigningKey(0)).privateJwk, kek);
    decryptFailure(() => openPrivateKey(sealed, new Uint8Array(randomBytes(32))));
  });

  it('refuses any tampered part with KEY_DECRYPT_FAILED', async () => {
    const sealed = sealPrivateKey((await generateSigningKey(0)).privateJwk, kek);
    const parts = sealed.split('.');
    for (let i = 1; i < 4; i++) {
      const bytes = Buffer.from(parts[i]!, 'base64url');
      bytes[0]! ^= 1;
      const altered = parts.map((p, j) => (j === i ? bytes.toString('base64url') : p)).join('.');
      decryptFailure(() => openPrivateKey(altered, kek));
    }
    decryptFailure(() => openPrivateKey(sealed.replace(/^v1/, 'v2'), kek));
    decryptFailure(() => openPrivateKey('', kek));
    decryptFailure(() => openPrivateKey(sealed.slice(0, -2), kek));
  });

  it('refuses a KEK that is not 32 bytes', async () => {
    const { privateJwk } = await generateSigningKey(0);
    expect(() => sealPrivateKey(privateJwk, new Uint8Array(16))).toThrow(/32 bytes/);
  });
});

describe('sealSecret / openSecret', () => {
  const secret = new Uint8Array(randomBytes(32));

  it('round-trips a server secret, bound to its name', () => {
    const sealed = sealSecret('link-hmac', secret, kek);
    expect(isSealed(sealed)).toBe(true);
    expect(isSealed(Buffer.from(secret).toString('base64url'))).toBe(false);
    expect(sealed).not.toContain(Buffer.from(secret).toString('base64url'));
    expect(openSecret('link-hmac', sealed, kek)).toEqual(secret);
    // The pseudonym secret cannot be swapped in for the link secret, nor opened with another KEK.
    decryptFailure(() => openSecret('subject-hmac', sealed, kek));
    decryptFailure(() => openSecret('link-hmac', sealed, new Uint8Array(randomBytes(32))));
  });
});
