import { generateKeyPairSync } from 'node:crypto';
import { calculateJwkThumbprint } from 'jose';
import type { Ed25519PrivateJwk, Ed25519PublicJwk } from '@lounge/shared';

/** A freshly generated Ed25519 signing key. */
export interface GeneratedSigningKey {
  kid: string;
  publicJwk: Ed25519PublicJwk;
  privateJwk: Ed25519PrivateJwk;
  createdAt: number;
}

/** Characters of the thumbprint kept as `kid`: every header byte grows the QR. */
export const KID_LENGTH = 8;

/**
 * Generates an Ed25519 key. Its `kid` is the first 8 characters of the RFC 7638 thumbprint
 * (48 bits): unique among the handful of keys a JWKS holds, and derivable from the key.
 */
export async function generateSigningKey(nowMs: number): Promise<GeneratedSigningKey> {
  const { privateKey } = generateKeyPairSync('ed25519');
  const jwk = privateKey.export({ format: 'jwk' });
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || !jwk.x || !jwk.d) {
    throw new Error('node:crypto did not export an Ed25519 JWK');
  }
  const publicJwk: Ed25519PublicJwk = { kty: 'OKP', crv: 'Ed25519', x: jwk.x };
  const privateJwk: Ed25519PrivateJwk = { ...publicJwk, d: jwk.d };
  const thumbprint = await calculateJwkThumbprint(publicJwk, 'sha256');
  return { kid: thumbprint.slice(0, KID_LENGTH), publicJwk, privateJwk, createdAt: nowMs };
}
