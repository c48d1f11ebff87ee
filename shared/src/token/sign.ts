import { CompactSign, importJWK, type CryptoKey, type KeyObject } from 'jose';
import type { TokenClaims } from './claims.ts';
import { MAX_TOKEN_LENGTH, TOKEN_ALG } from './claims.ts';
import type { Ed25519PrivateJwk } from './jwks.ts';

/** A signing key: its id and a private key usable by jose (CryptoKey or KeyObject). */
export interface SigningKey {
  kid: string;
  privateKey: CryptoKey | KeyObject;
}

/** Imports an Ed25519 private JWK as a signing key. */
export async function importSigningKey(jwk: Ed25519PrivateJwk, kid: string): Promise<SigningKey> {
  const privateKey = await importJWK({ ...jwk, alg: TOKEN_ALG }, TOKEN_ALG);
  if (privateKey instanceof Uint8Array) throw new TypeError('not an Ed25519 private key');
  return { kid, privateKey };
}

const encoder = new TextEncoder();

/** Whether a token still fits QR version 14 at ECC M (callers warn when it does not). */
export const fitsQrBudget = (token: string): boolean => token.length <= MAX_TOKEN_LENGTH;

/**
 * Signs the claims as a compact JWS with header `{"alg":"EdDSA","kid":…}` and nothing else:
 * every byte grows the QR. Claim order is fixed so tokens are reproducible.
 */
export async function signToken(claims: TokenClaims, key: SigningKey): Promise<string> {
  const ordered = {
    iss: claims.iss,
    jti: claims.jti,
    aud: claims.aud,
    sub: claims.sub,
    nbf: claims.nbf,
    exp: claims.exp,
    ...(claims.iat === undefined ? {} : { iat: claims.iat }),
    gst: claims.gst,
    // `ent` defaults to 1 (SPEC.md 4); leaving it out keeps typical tokens under 360 characters.
    ...(claims.ent === 1 ? {} : { ent: claims.ent }),
  };
  const token = await new CompactSign(encoder.encode(JSON.stringify(ordered)))
    .setProtectedHeader({ alg: TOKEN_ALG, kid: key.kid })
    .sign(key.privateKey);
  return token;
}
