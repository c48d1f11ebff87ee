import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Ed25519PrivateJwk } from '@lounge/shared';
import { SigningKeyError } from './errors.ts';

// `v1.<iv>.<ciphertext>.<tag>`, base64url parts; AES-256-GCM with a random 96-bit IV.
const VERSION = 'v1';
const AAD = Buffer.from('lounge/signing-key/v1');
const SEALED_RE = /^v1\.([A-Za-z0-9_-]{16})\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]{22})$/;
const B64URL_43 = /^[A-Za-z0-9_-]{43}$/;

function checkKek(kek: Uint8Array): void {
  if (!(kek instanceof Uint8Array) || kek.length !== 32) {
    throw new SigningKeyError(
      'KEY_ENCRYPTION_KEY_INVALID',
      'the key-encryption key must be 32 bytes',
    );
  }
}

/** Encrypts a private JWK for storage at rest (AES-256-GCM under the KEK). */
export function sealPrivateKey(privateJwk: Ed25519PrivateJwk, kek: Uint8Array): string {
  checkKek(kek);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', kek, iv).setAAD(AAD);
  const plain = JSON.stringify({ kty: 'OKP', crv: 'Ed25519', x: privateJwk.x, d: privateJwk.d });
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [VERSION, iv, body, tag]
    .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
    .join('.');
}

const failed = (why: string): SigningKeyError =>
  new SigningKeyError(
    'KEY_DECRYPT_FAILED',
    `cannot decrypt a signing key: ${why}. Is KEY_ENCRYPTION_KEY (or the key file in the data dir) the one the keys were sealed with?`,
  );

/** Decrypts a sealed private JWK; a wrong KEK or any tampering throws KEY_DECRYPT_FAILED. */
export function openPrivateKey(sealed: string, kek: Uint8Array): Ed25519PrivateJwk {
  checkKek(kek);
  const m = typeof sealed === 'string' ? SEALED_RE.exec(sealed) : null;
  if (!m) throw failed('the stored value is not a v1 sealed key');
  let plain: string;
  try {
    const decipher = createDecipheriv('aes-256-gcm', kek, Buffer.from(m[1]!, 'base64url'));
    decipher.setAAD(AAD).setAuthTag(Buffer.from(m[3]!, 'base64url'));
    plain = Buffer.concat([
      decipher.update(Buffer.from(m[2]!, 'base64url')),
      decipher.final(),
    ]).toString('utf8');
  } catch {
    throw failed('authentication failed (wrong key-encryption key or altered data)');
  }
  let jwk: Record<string, unknown>;
  try {
    jwk = JSON.parse(plain) as Record<string, unknown>;
  } catch {
    throw failed('the decrypted value is not JSON');
  }
  if (
    jwk.kty !== 'OKP' ||
    jwk.crv !== 'Ed25519' ||
    typeof jwk.x !== 'string' ||
    typeof jwk.d !== 'string' ||
    !B64URL_43.test(jwk.x) ||
    !B64URL_43.test(jwk.d)
  ) {
    throw failed('the decrypted value is not an Ed25519 private JWK');
  }
  return { kty: 'OKP', crv: 'Ed25519', x: jwk.x, d: jwk.d };
}
