import { generateKeyPairSync, type webcrypto } from 'node:crypto';
import {
  signToken,
  verifyJws,
  verifyToken,
  type KeyResolver,
  type TokenClaims,
  type VerificationKey,
} from '@lounge/shared';
import fc from 'fast-check';
import { CompactSign, exportJWK, generateKeyPair, importJWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { nodeEd25519Verifier } from './ed25519-verifier.ts';

// The edge's node:crypto verifier must decide exactly like the default (jose, WebCrypto):
// every code, genuine, forged or mangled, gets the same result from both.
const KID = 'kEquiv01';
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const fast = { verifySignature: nodeEd25519Verifier };
let token = '';
let privateKey: webcrypto.CryptoKey;
let resolve: KeyResolver = () => undefined;

beforeAll(async () => {
  const pair = await generateKeyPair('EdDSA', { extractable: true });
  privateKey = pair.privateKey;
  const claims: TokenClaims = {
    iss: 'https://lounge.example',
    jti: 'inv_01JD00000000000000000000AB',
    aud: 'MAD-T4S-VELAZQUEZ',
    sub: 'AbCdEfGhIjKlMnOpQrStUv',
    nbf: 1_790_000_000,
    exp: 1_790_003_600,
    gst: 1,
    ent: 1,
  };
  token = await signToken(claims, { kid: KID, privateKey });
  const key: VerificationKey = pair.publicKey;
  resolve = (kid) => (kid === KID ? key : undefined);
});

async function same(code: string | Uint8Array, resolver: KeyResolver = resolve) {
  const expected = await verifyToken(code, resolver);
  expect(await verifyToken(code, resolver, fast)).toEqual(expected);
  return expected;
}

describe('nodeEd25519Verifier', () => {
  it('accepts the genuine token like jose', async () => {
    expect((await same(token)).ok).toBe(true);
  });

  it('verifies the RFC 8037 appendix A.4 vector and refuses it with a flipped bit', async () => {
    const key = await importJWK(
      { kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' },
      'EdDSA',
    );
    const jws =
      'eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc.' +
      'hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg';
    const result = await verifyJws(jws, () => key as webcrypto.CryptoKey, fast);
    expect(result.ok && new TextDecoder().decode(result.payload)).toBe(
      'Example of Ed25519 signing',
    );
    const flipped = jws.slice(0, -2) + 'Aw';
    expect(await verifyJws(flipped, () => key as webcrypto.CryptoKey, fast)).toMatchObject({
      reason: 'BAD_SIGNATURE',
    });
  });

  it('refuses keys jose refuses: private, X25519, Ed448, without the verify usage', async () => {
    const jwk = await exportJWK((await generateKeyPair('EdDSA')).publicKey);
    const noUsage = await crypto.subtle.importKey('jwk', jwk, 'Ed25519', true, []);
    const keys: unknown[] = [
      privateKey,
      generateKeyPairSync('ed25519').privateKey,
      generateKeyPairSync('x25519').publicKey,
      generateKeyPairSync('ed448').publicKey,
      noUsage,
    ];
    for (const key of keys) {
      const r = await same(token, (kid) => (kid === KID ? (key as VerificationKey) : undefined));
      expect(r).toMatchObject({ ok: false, reason: 'BAD_SIGNATURE' });
    }
  });

  it('accepts a public KeyObject', async () => {
    const pair = generateKeyPairSync('ed25519');
    const jws = await new CompactSign(new TextEncoder().encode('{}'))
      .setProtectedHeader({ alg: 'EdDSA', kid: KID })
      .sign(pair.privateKey);
    expect(await verifyJws(jws, () => pair.publicKey, fast)).toMatchObject({ ok: true });
  });

  it('gives the same result as jose for mutated tokens and random segments', async () => {
    const edit = fc.record({
      at: fc.nat(),
      ch: fc.constantFrom(...B64.split(''), '.', ' ', '\u00e9'),
      del: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(edit, { minLength: 1, maxLength: 3 }), async (edits) => {
        const code = edits.reduce((t, e) => {
          const i = e.at % t.length;
          return t.slice(0, i) + (e.del ? '' : e.ch) + t.slice(i + 1);
        }, token);
        await same(code);
      }),
      { numRuns: 1500 },
    );
    const [h, p] = token.split('.') as [string, string];
    const segment = fc.string({ unit: fc.constantFrom(...B64.split('')), maxLength: 90 });
    await fc.assert(
      fc.asyncProperty(segment, async (s) => void (await same(`${h}.${p}.${s}`))),
      { numRuns: 1000 },
    );
  });
});
