import { calculateJwkThumbprint, importJWK } from 'jose';
import { isEd25519PublicJwk, publicJwkOf, signToken, verifyJws } from '@lounge/shared';
import { describe, expect, it } from 'vitest';
import { generateSigningKey } from './generate.ts';

describe('generateSigningKey', () => {
  it('makes an Ed25519 key with an 8-character thumbprint kid', async () => {
    const key = await generateSigningKey(1_000);
    expect(isEd25519PublicJwk(key.publicJwk)).toBe(true);
    expect(publicJwkOf(key.privateJwk)).toEqual(key.publicJwk);
    expect(key.kid).toMatch(/^[A-Za-z0-9_-]{8}$/);
    expect((await calculateJwkThumbprint(key.publicJwk)).startsWith(key.kid)).toBe(true);
    expect(key.createdAt).toBe(1_000);
  });

  it('signs tokens its public half verifies', async () => {
    const key = await generateSigningKey(0);
    const privateKey = await importJWK({ ...key.privateJwk, alg: 'EdDSA' }, 'EdDSA');
    const publicKey = await importJWK({ ...key.publicJwk, alg: 'EdDSA' }, 'EdDSA');
    if (privateKey instanceof Uint8Array || publicKey instanceof Uint8Array) throw new Error();
    const token = await signToken(
      {
        iss: 'http://localhost:8080',
        jti: 'inv_01JD00000000000000000000AB',
        aud: 'MAD-T4S-VELAZQUEZ',
        sub: 'AbCdEfGhIjKlMnOpQrStUv',
        nbf: 1,
        exp: 2,
        gst: 0,
        ent: 1,
      },
      { kid: key.kid, privateKey },
    );
    const result = await verifyJws(token, (kid) => (kid === key.kid ? publicKey : undefined));
    expect(result.ok).toBe(true);
  });

  it('never repeats a key', async () => {
    const [a, b] = await Promise.all([generateSigningKey(0), generateSigningKey(0)]);
    expect(a.kid).not.toBe(b.kid);
    expect(a.privateJwk.d).not.toBe(b.privateJwk.d);
  });
});
