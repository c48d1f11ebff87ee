import { SignJWT, exportJWK, generateKeyPair, type CryptoKey } from 'jose';
import { describe, expect, it } from 'vitest';
import { ProblemError } from '../problem.ts';
import type { Ed25519PrivateJwk, Ed25519PublicJwk } from '../token/jwks.ts';
import {
  createDeviceAssertion,
  verifyDeviceAssertion,
  type VerifyDeviceAssertionOptions,
} from './device-assertion.ts';

const AUD = 'https://lounge.example';
const NOW = Date.UTC(2026, 10, 25, 12);
const DEV = 'dev_01JD00000000000000000000AB';

async function setup(decommissioned = false) {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { extractable: true });
  const publicJwk = (await exportJWK(publicKey)) as Ed25519PublicJwk;
  const privateJwk = (await exportJWK(privateKey)) as Ed25519PrivateJwk;
  const seen = new Map<string, number>();
  const opts: VerifyDeviceAssertionOptions = {
    audience: AUD,
    nowMs: NOW,
    resolveDevice: async (id) => (id === DEV ? { publicJwk, decommissioned } : null),
    rememberJti: async (id, jti, exp) => {
      const key = `${id}/${jti}`;
      if (seen.has(key)) return false;
      seen.set(key, exp);
      return true;
    },
  };
  return { privateKey, privateJwk, opts, seen };
}

async function refusal(promise: Promise<unknown>): Promise<ProblemError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ProblemError);
  return err as ProblemError;
}

async function expectUnauthorized(promise: Promise<unknown>, detail: RegExp) {
  const err = await refusal(promise);
  expect(err.code).toBe('UNAUTHORIZED');
  expect(err.status).toBe(401);
  expect(err.message).toMatch(detail);
}

/** A JWT signed with `key`, with any header and claims, to forge what the creator refuses. */
const raw = (key: CryptoKey, claims: Record<string, unknown>, header = { alg: 'EdDSA' }) =>
  new SignJWT(claims).setProtectedHeader(header).sign(key);

const iat = NOW / 1000;
const good = { iss: DEV, sub: DEV, aud: AUD, iat, exp: iat + 60, jti: 'j1' };

describe('device assertions', () => {
  it('round-trips with a CryptoKey or a private JWK, with iss = sub = deviceId', async () => {
    const { privateKey, privateJwk, opts, seen } = await setup();
    const a = await createDeviceAssertion({ deviceId: DEV, privateKey, audience: AUD, nowMs: NOW });
    expect(await verifyDeviceAssertion(a, opts)).toEqual({ deviceId: DEV });
    const b = await createDeviceAssertion({
      deviceId: DEV,
      privateKey: privateJwk,
      audience: AUD + '/',
      nowMs: NOW,
      ttlSeconds: 300,
    });
    expect(await verifyDeviceAssertion(b, opts)).toEqual({ deviceId: DEV });
    // Each assertion got its own random jti, remembered until its exp plus the 60 s skew.
    expect([...seen.values()]).toEqual([iat + 120, iat + 360]);
  });

  it('writes header {alg:EdDSA} and the claims of SPEC.md section 5', async () => {
    const { privateKey } = await setup();
    const token = await createDeviceAssertion({
      deviceId: DEV,
      privateKey,
      audience: AUD,
      nowMs: NOW,
      jti: 'fixed',
    });
    const [h, p] = token
      .split('.')
      .slice(0, 2)
      .map((s) => JSON.parse(Buffer.from(s, 'base64url').toString()));
    expect(h).toEqual({ alg: 'EdDSA' });
    expect(p).toEqual({ iss: DEV, sub: DEV, aud: AUD, iat, exp: iat + 60, jti: 'fixed' });
  });

  it('refuses to create an assertion living over 5 minutes', async () => {
    const { privateKey } = await setup();
    const base = { deviceId: DEV, privateKey, audience: AUD, nowMs: NOW };
    await expect(createDeviceAssertion({ ...base, ttlSeconds: 301 })).rejects.toThrow(RangeError);
    await expect(createDeviceAssertion({ ...base, ttlSeconds: 0 })).rejects.toThrow(RangeError);
  });

  it('refuses a replayed jti', async () => {
    const { privateKey, opts } = await setup();
    const token = await createDeviceAssertion({
      deviceId: DEV,
      privateKey,
      audience: AUD,
      nowMs: NOW,
    });
    await verifyDeviceAssertion(token, opts);
    await expectUnauthorized(verifyDeviceAssertion(token, opts), /replayed jti/);
  });

  it('refuses an expired assertion, beyond the clock skew', async () => {
    const { privateKey, opts } = await setup();
    const token = await createDeviceAssertion({
      deviceId: DEV,
      privateKey,
      audience: AUD,
      nowMs: NOW,
    });
    // Within skew (60 s) after exp: still accepted.
    expect(await verifyDeviceAssertion(token, { ...opts, nowMs: NOW + 119_000 })).toEqual({
      deviceId: DEV,
    });
    const other = await createDeviceAssertion({
      deviceId: DEV,
      privateKey,
      audience: AUD,
      nowMs: NOW,
    });
    await expectUnauthorized(
      verifyDeviceAssertion(other, { ...opts, nowMs: NOW + 120_000 }),
      /expired/,
    );
    await expectUnauthorized(
      verifyDeviceAssertion(other, { ...opts, nowMs: NOW + 70_000, clockSkewSeconds: 0 }),
      /expired/,
    );
  });

  it('refuses a device that is decommissioned, after checking its signature', async () => {
    const { privateKey, opts } = await setup(true);
    const token = await createDeviceAssertion({
      deviceId: DEV,
      privateKey,
      audience: AUD,
      nowMs: NOW,
    });
    const err = await refusal(verifyDeviceAssertion(token, opts));
    expect(err.code).toBe('DEVICE_DECOMMISSIONED');
    expect(err.status).toBe(401);
    const stranger = await generateKeyPair('EdDSA');
    const forged = await createDeviceAssertion({
      deviceId: DEV,
      privateKey: stranger.privateKey,
      audience: AUD,
      nowMs: NOW,
    });
    await expectUnauthorized(verifyDeviceAssertion(forged, opts), /bad signature/);
  });

  it('refuses an unknown device and a signature by another key', async () => {
    const { opts } = await setup();
    const stranger = await generateKeyPair('EdDSA');
    const unknown = await createDeviceAssertion({
      deviceId: 'dev_01JD00000000000000000000ZZ',
      privateKey: stranger.privateKey,
      audience: AUD,
      nowMs: NOW,
    });
    await expectUnauthorized(verifyDeviceAssertion(unknown, opts), /unknown device/);
    const forged = await createDeviceAssertion({
      deviceId: DEV,
      privateKey: stranger.privateKey,
      audience: AUD,
      nowMs: NOW,
    });
    await expectUnauthorized(verifyDeviceAssertion(forged, opts), /bad signature/);
  });

  it('refuses forged claims: iss != sub, wrong aud, long exp, future iat, no jti', async () => {
    const { privateKey, opts } = await setup();
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ ...good, sub: 'dev_other' }, /iss and sub differ/],
      [{ ...good, iss: undefined, sub: undefined }, /iss is missing/],
      [{ ...good, aud: 'https://evil.example' }, /wrong audience/],
      [{ ...good, exp: iat + 301 }, /more than 5 minutes/],
      [{ ...good, iat: iat + 600, exp: iat + 700 }, /more than 5 minutes|future/],
      [{ ...good, iat: iat + 120, exp: iat + 180 }, /future/],
      [{ ...good, iat: undefined }, /whole seconds/],
      [{ ...good, exp: iat + 60.5 }, /whole seconds/],
      [{ ...good, jti: undefined }, /jti is missing/],
    ];
    for (const [claims, detail] of cases) {
      await expectUnauthorized(verifyDeviceAssertion(await raw(privateKey, claims), opts), detail);
    }
    expect(await verifyDeviceAssertion(await raw(privateKey, good), opts)).toEqual({
      deviceId: DEV,
    });
    const listed = { ...good, aud: ['x', AUD], jti: 'j2' };
    expect(await verifyDeviceAssertion(await raw(privateKey, listed), opts)).toEqual({
      deviceId: DEV,
    });
  });

  it('refuses any alg but EdDSA, and garbage', async () => {
    const { opts } = await setup();
    const hs = await new SignJWT(good)
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new Uint8Array(32));
    await expectUnauthorized(verifyDeviceAssertion(hs, opts), /alg "HS256" is not EdDSA/);
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify(good)).toString('base64url')}.`;
    await expectUnauthorized(verifyDeviceAssertion(none, opts), /not EdDSA/);
    for (const junk of ['', 'a.b.c', 'x', 'a.b', undefined as unknown as string]) {
      await expectUnauthorized(verifyDeviceAssertion(junk, opts), /not a compact JWT/);
    }
  });

  it('does not burn the jti of a refused assertion', async () => {
    const { privateKey, opts, seen } = await setup();
    await expectUnauthorized(
      verifyDeviceAssertion(await raw(privateKey, { ...good, aud: 'x' }), opts),
      /audience/,
    );
    expect(seen.size).toBe(0);
  });
});
