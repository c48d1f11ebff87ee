import { SignJWT, base64url, compactVerify, importJWK, type CryptoKey, type KeyObject } from 'jose';
import { ProblemError } from '../problem.ts';
import { TOKEN_ALG } from '../token/claims.ts';
import type { Ed25519PrivateJwk, Ed25519PublicJwk } from '../token/jwks.ts';

/** Longest lifetime of a device assertion (SPEC.md section 5: `exp` <= 5 min). */
export const MAX_ASSERTION_TTL_SECONDS = 300;

export interface CreateDeviceAssertionOptions {
  deviceId: string;
  privateKey: CryptoKey | KeyObject | Ed25519PrivateJwk;
  /** The cloud's `PUBLIC_URL`. */
  audience: string;
  nowMs: number;
  /** Lifetime, 1..300 seconds; default 60. */
  ttlSeconds?: number;
  /** Unique id; default 16 random bytes, base64url. */
  jti?: string;
}

const randomJti = (): string =>
  base64url.encode(globalThis.crypto.getRandomValues(new Uint8Array(16)));

async function signingKeyOf(key: CreateDeviceAssertionOptions['privateKey']) {
  if (!('kty' in key)) return key;
  const imported = await importJWK({ ...key, alg: TOKEN_ALG }, TOKEN_ALG);
  if (imported instanceof Uint8Array) throw new TypeError('not an Ed25519 private key');
  return imported;
}

/** Signs a device assertion: a short-lived JWT proving the device holds its enrolled key. */
export async function createDeviceAssertion(opts: CreateDeviceAssertionOptions): Promise<string> {
  const ttl = opts.ttlSeconds ?? 60;
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > MAX_ASSERTION_TTL_SECONDS) {
    throw new RangeError(`ttlSeconds must be 1..${MAX_ASSERTION_TTL_SECONDS}, got ${ttl}`);
  }
  const iat = Math.floor(opts.nowMs / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: TOKEN_ALG })
    .setIssuer(opts.deviceId)
    .setSubject(opts.deviceId)
    .setAudience(opts.audience)
    .setIssuedAt(iat)
    .setExpirationTime(iat + ttl)
    .setJti(opts.jti ?? randomJti())
    .sign(await signingKeyOf(opts.privateKey));
}

/** What the verifier needs to know about a device. */
export interface AssertedDevice {
  publicJwk: Ed25519PublicJwk;
  decommissioned: boolean;
}

export interface VerifyDeviceAssertionOptions {
  /** The cloud's `PUBLIC_URL`; a trailing slash on either side is ignored. */
  audience: string;
  nowMs: number;
  /** Tolerance for device clocks, seconds; default 60. */
  clockSkewSeconds?: number;
  /** The enrolled device, or null when there is no such device. */
  resolveDevice: (deviceId: string) => Promise<AssertedDevice | null>;
  /**
   * Records a `jti` until `expSeconds` (the assertion's `exp` plus the clock skew: the last
   * moment it could still be accepted); resolves false when it was already seen (a replay).
   */
  rememberJti: (deviceId: string, jti: string, expSeconds: number) => Promise<boolean>;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

const refuse = (reason: string): ProblemError =>
  new ProblemError('UNAUTHORIZED', `device assertion refused: ${reason}`);

function decodeJson(segment: string | undefined): Record<string, unknown> | undefined {
  if (!segment || !/^[A-Za-z0-9_-]+$/.test(segment)) return undefined;
  try {
    const value: unknown = JSON.parse(utf8.decode(base64url.decode(segment)));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

const trimSlash = (url: string): string => url.replace(/\/+$/, '');
const isSeconds = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

function audienceMatches(aud: unknown, audience: string): boolean {
  const list = Array.isArray(aud) ? aud : [aud];
  return list.some((a) => typeof a === 'string' && trimSlash(a) === trimSlash(audience));
}

/**
 * Verifies a device assertion (SPEC.md section 5). Resolves the device id; throws
 * `ProblemError` UNAUTHORIZED, or DEVICE_DECOMMISSIONED for a genuine assertion from a
 * decommissioned device. The jti is remembered last, so a refused assertion burns nothing.
 */
export async function verifyDeviceAssertion(
  token: string,
  opts: VerifyDeviceAssertionOptions,
): Promise<{ deviceId: string }> {
  const parts = typeof token === 'string' ? token.trim().split('.') : [];
  const header = decodeJson(parts[0]);
  const claims = decodeJson(parts[1]);
  if (parts.length !== 3 || !header || !claims) throw refuse('not a compact JWT');
  if (header.alg !== TOKEN_ALG)
    throw refuse(`alg ${JSON.stringify(header.alg ?? null)} is not EdDSA`);
  if (header.crit !== undefined) throw refuse('crit header is not supported');
  const { iss, sub } = claims;
  if (typeof iss !== 'string' || iss === '') throw refuse('iss is missing');
  if (iss !== sub) throw refuse('iss and sub differ');

  const device = await opts.resolveDevice(iss);
  if (!device) throw refuse('unknown device');
  let key: CryptoKey | Uint8Array;
  try {
    key = await importJWK({ ...device.publicJwk, alg: TOKEN_ALG }, TOKEN_ALG);
    await compactVerify(parts.join('.'), key, { algorithms: [TOKEN_ALG] });
  } catch {
    throw refuse('bad signature');
  }
  if (device.decommissioned) {
    throw new ProblemError('DEVICE_DECOMMISSIONED', `device ${iss} is decommissioned`);
  }

  if (!audienceMatches(claims.aud, opts.audience)) throw refuse('wrong audience');
  const { iat, exp, jti } = claims;
  if (!isSeconds(iat) || !isSeconds(exp)) throw refuse('iat and exp must be whole seconds');
  const now = Math.floor(opts.nowMs / 1000);
  const skew = opts.clockSkewSeconds ?? 60;
  if (now - skew >= exp) throw refuse('expired');
  if (iat > now + skew) throw refuse('issued in the future');
  if (exp - iat > MAX_ASSERTION_TTL_SECONDS || exp > now + skew + MAX_ASSERTION_TTL_SECONDS) {
    throw refuse('exp is more than 5 minutes ahead');
  }
  if (typeof jti !== 'string' || jti === '' || jti.length > 128) throw refuse('jti is missing');
  // Kept until exp + skew: pruned any earlier, a replay inside the skew would pass.
  if (!(await opts.rememberJti(iss, jti, exp + skew))) throw refuse('replayed jti');
  return { deviceId: iss };
}
