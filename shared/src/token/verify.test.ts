import {
  CompactSign,
  SignJWT,
  base64url,
  exportJWK,
  generateKeyPair,
  importJWK,
  type CryptoKey,
} from 'jose';
import { KeyObject, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decide } from '../decide/decide.ts';
import type { TokenClaims } from './claims.ts';
import { signToken } from './sign.ts';
import { checkClaims, verifyJws, verifyToken, type KeyResolver } from './verify.ts';

const NOW = 1_790_000_000;
const LOUNGE = 'MAD-T4S-VELAZQUEZ';

async function setup() {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { extractable: true });
  const kid = 'k2611abc';
  const resolve: KeyResolver = (k) => (k === kid ? publicKey : undefined);
  const claims: TokenClaims = {
    iss: 'https://lounge.example',
    jti: 'inv_01JD00000000000000000000AB',
    aud: LOUNGE,
    sub: 'AbCdEfGhIjKlMnOpQrStUv',
    nbf: NOW - 3600,
    exp: NOW + 3600,
    gst: 1,
    ent: 1,
  };
  const token = await signToken(claims, { kid, privateKey });
  return { privateKey, publicKey, kid, resolve, claims, token };
}

const encodeJson = (value: unknown) => base64url.encode(JSON.stringify(value));

describe('verifyToken', () => {
  it('round-trips a signed token and keeps it within the QR budget', async () => {
    const { token, resolve, claims, kid } = await setup();
    expect(token.length).toBeLessThanOrEqual(360);
    const header = JSON.parse(new TextDecoder().decode(base64url.decode(token.split('.')[0]!)));
    expect(header).toEqual({ alg: 'EdDSA', kid });
    const result = await verifyToken(token, resolve);
    expect(result).toEqual({ ok: true, kid, claims });
  });

  it('refuses alg none as UNSUPPORTED_ALG', async () => {
    const { token, resolve } = await setup();
    const [, payload] = token.split('.');
    const none = encodeJson({ alg: 'none', kid: 'k2611abc' });
    // SPEC.md 8: a header that parses is classified by its alg first, whatever follows it, so
    // an unsecured JWT (empty signature, RFC 7519 6.1) counts as an attack, not a smudge.
    const forged = [
      `${none}.${payload}.`,
      `${none}.${payload}.AA`,
      `${none}.${payload}.!!`,
      `${none}.${base64url.encode('not json')}.`,
      `${none}..`,
      `${encodeJson({ alg: 'HS256' })}.${payload}.`,
      `${encodeJson({ kid: 'k2611abc' })}.${payload}.`,
    ];
    for (const code of forged) {
      expect(await verifyToken(code, resolve), code).toMatchObject({
        ok: false,
        reason: 'UNSUPPORTED_ALG',
      });
      expect(await verifyJws(code, resolve), code).toMatchObject({ reason: 'UNSUPPORTED_ALG' });
    }
  });

  it('refuses HS256 signed with the public key as the secret (alg confusion)', async () => {
    const { publicKey, resolve, claims } = await setup();
    const jwk = await exportJWK(publicKey);
    const secret = new TextEncoder().encode(JSON.stringify(jwk));
    const forged = await new SignJWT({ ...claims })
      .setProtectedHeader({ alg: 'HS256', kid: 'k2611abc' })
      .sign(secret);
    expect(await verifyToken(forged, resolve)).toMatchObject({
      ok: false,
      reason: 'UNSUPPORTED_ALG',
    });
  });

  it('answers UNKNOWN_KEY for a kid the key set does not hold', async () => {
    const { claims, resolve } = await setup();
    const other = await generateKeyPair('EdDSA');
    const token = await signToken(claims, { kid: 'k-unknown', privateKey: other.privateKey });
    expect(await verifyToken(token, resolve)).toMatchObject({ ok: false, reason: 'UNKNOWN_KEY' });
  });

  it('answers BAD_SIGNATURE for a key that did not sign it under a known kid', async () => {
    const { claims, resolve, kid } = await setup();
    const other = await generateKeyPair('EdDSA');
    const token = await signToken(claims, { kid, privateKey: other.privateKey });
    expect(await verifyToken(token, resolve)).toMatchObject({ ok: false, reason: 'BAD_SIGNATURE' });
  });

  it('answers BAD_SIGNATURE for a tampered payload', async () => {
    const { token, resolve, claims } = await setup();
    const [h, , s] = token.split('.');
    const tampered = `${h}.${encodeJson({ ...claims, gst: 9 })}.${s}`;
    expect(await verifyToken(tampered, resolve)).toMatchObject({
      ok: false,
      reason: 'BAD_SIGNATURE',
    });
  });

  it('answers MALFORMED for garbage, truncation, oversize and non-UTF-8', async () => {
    const { token, resolve } = await setup();
    const cases: (string | Uint8Array)[] = [
      '',
      'hello',
      token.slice(0, token.lastIndexOf('.')),
      token + '.extra',
      token.replace('.', '.!'),
      'a'.repeat(5000),
      `${token}${'A'.repeat(4096)}`,
      new Uint8Array([0xff, 0xfe, 0x2e, 0x41, 0x2e, 0x41]),
      `${encodeJson([1, 2])}.${token.split('.')[1]}.${token.split('.')[2]}`,
      `${token.split('.')[0]}.${base64url.encode('not json')}.${token.split('.')[2]}`,
    ];
    for (const code of cases) {
      expect(await verifyToken(code, resolve), String(code).slice(0, 40)).toMatchObject({
        ok: false,
        reason: 'MALFORMED',
      });
    }
  });

  it('accepts bytes that are valid UTF-8', async () => {
    const { token, resolve } = await setup();
    const result = await verifyToken(new TextEncoder().encode(token), resolve);
    expect(result.ok).toBe(true);
  });

  it('refuses a crit header and never follows jku', async () => {
    const { privateKey, resolve, claims, kid } = await setup();
    const payload = new TextEncoder().encode(JSON.stringify(claims));
    // jose will not sign an unknown crit, so sign the input by hand.
    const input = `${encodeJson({ alg: 'EdDSA', kid, crit: ['exp'], exp: 1 })}.${base64url.encode(payload)}`;
    const signature = sign(null, Buffer.from(input), KeyObject.from(privateKey as CryptoKey));
    const withCrit = `${input}.${base64url.encode(signature)}`;
    expect(await verifyToken(withCrit, resolve)).toMatchObject({
      ok: false,
      reason: 'UNSUPPORTED_ALG',
    });
    const seen: (string | undefined)[] = [];
    const withJku = await new CompactSign(payload)
      .setProtectedHeader({ alg: 'EdDSA', kid, jku: 'http://127.0.0.1:1/evil.json' })
      .sign(privateKey);
    const result = await verifyToken(withJku, (k) => {
      seen.push(k);
      return resolve(k);
    });
    expect(result.ok).toBe(true);
    expect(seen).toEqual([kid]);
  });

  it('answers MALFORMED for a signed token whose claims break the schema', async () => {
    const { privateKey, resolve, claims, kid } = await setup();
    const bad = await new CompactSign(
      new TextEncoder().encode(JSON.stringify({ ...claims, jti: 'bob@example.com' })),
    )
      .setProtectedHeader({ alg: 'EdDSA', kid })
      .sign(privateKey);
    expect(await verifyToken(bad, resolve)).toMatchObject({ ok: false, reason: 'MALFORMED' });
  });
});

describe('an injected signature verifier', () => {
  it('is called only for EdDSA with a known key, and its false or throw is BAD_SIGNATURE', async () => {
    const { token, resolve, publicKey } = await setup();
    const calls: [unknown, string, number][] = [];
    const spy = (answer: boolean | Error) => ({
      verifySignature: (key: unknown, input: Uint8Array, sig: Uint8Array) => {
        calls.push([key, new TextDecoder().decode(input), sig.length]);
        if (answer instanceof Error) throw answer;
        return answer;
      },
    });
    const [h, p] = token.split('.') as [string, string];
    expect(await verifyToken(token, resolve, spy(true))).toMatchObject({ ok: true });
    expect(calls).toEqual([[publicKey, `${h}.${p}`, 64]]);
    expect(await verifyToken(token, resolve, spy(false))).toMatchObject({
      reason: 'BAD_SIGNATURE',
    });
    expect(await verifyToken(token, resolve, spy(new Error('boom')))).toMatchObject({
      reason: 'BAD_SIGNATURE',
    });
    calls.length = 0;
    const hs = `${encodeJson({ alg: 'HS256', kid: 'k2611abc' })}.${p}.AA`;
    expect(await verifyToken(hs, resolve, spy(true))).toMatchObject({ reason: 'UNSUPPORTED_ALG' });
    expect(await verifyToken(token, () => undefined, spy(true))).toMatchObject({
      reason: 'UNKNOWN_KEY',
    });
    expect(calls).toEqual([]);
  });
});

describe('checkClaims and decide', () => {
  const base = { clockSkewSeconds: 120 };

  it('maps wrong audience, not yet valid and expired to their reasons', async () => {
    const { claims } = await setup();
    expect(
      checkClaims(claims, { ...base, audience: 'BCN-T1-PUENTE', nowSeconds: NOW }),
    ).toMatchObject({ reason: 'WRONG_LOUNGE' });
    expect(
      checkClaims(claims, { ...base, audience: LOUNGE, nowSeconds: claims.nbf - 121 }),
    ).toMatchObject({ reason: 'NOT_YET_VALID' });
    expect(
      checkClaims(claims, { ...base, audience: LOUNGE, nowSeconds: claims.exp + 120 }),
    ).toMatchObject({ reason: 'EXPIRED' });
    expect(checkClaims(claims, { ...base, audience: LOUNGE, nowSeconds: claims.nbf - 119 })).toBe(
      null,
    );
    expect(checkClaims(claims, { ...base, audience: LOUNGE, nowSeconds: claims.exp + 119 })).toBe(
      null,
    );
  });

  it('decides every reason through the decision function with real tokens', async () => {
    const { token, resolve, claims } = await setup();
    const verification = await verifyToken(token, resolve);
    const input = {
      verification,
      state: { revoked: false, entriesUsed: 0 },
      loungeId: LOUNGE,
      nowMs: NOW * 1000,
      ...base,
    };
    expect(decide(input)).toMatchObject({ decision: 'grant', reason: 'OK', admit: 2 });
    expect(decide({ ...input, loungeId: 'BCN-T1-PUENTE' }).reason).toBe('WRONG_LOUNGE');
    expect(decide({ ...input, nowMs: (claims.exp + 500) * 1000 }).reason).toBe('EXPIRED');
    expect(decide({ ...input, nowMs: (claims.nbf - 500) * 1000 }).reason).toBe('NOT_YET_VALID');
    expect(decide({ ...input, state: { revoked: true, entriesUsed: 0 } }).reason).toBe('REVOKED');
    expect(decide({ ...input, state: { revoked: false, entriesUsed: 1 } }).reason).toBe(
      'ALREADY_USED',
    );
    const bad = await verifyToken('nope', resolve);
    expect(decide({ ...input, verification: bad })).toMatchObject({
      decision: 'deny',
      reason: 'MALFORMED',
      invitationId: null,
      admit: 0,
    });
  });
});

describe('RFC 8037 appendix A.4 test vector', () => {
  it('verifies the published Ed25519 JWS with our verifier', async () => {
    const jwk = {
      kty: 'OKP',
      crv: 'Ed25519',
      x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo',
    };
    const jws =
      'eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc.' +
      'hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg';
    const key = await importJWK(jwk, 'EdDSA');
    const result = await verifyJws(jws, () => key as never);
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(new TextDecoder().decode(result.payload)).toBe('Example of Ed25519 signing');
    }
    const flipped = jws.slice(0, -2) + (jws.endsWith('Ag') ? 'Aw' : 'Ag');
    expect(await verifyJws(flipped, () => key as never)).toMatchObject({
      reason: 'BAD_SIGNATURE',
    });
  });
});
