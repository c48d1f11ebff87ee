import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Ed25519PrivateJwk } from '@lounge/shared';
import { SigningKeyError } from './errors.ts';

// `v1.<iv>.<ciphertext>.<tag>`, base64url parts; AES-256-GCM with a random 96-bit IV. The AAD
// names what is sealed, so one sealed value cannot be swapped in for another.
const VERSION = 'v1';
const KEY_AAD = 'lounge/signing-key/v1';
const secretAad = (name: string): string => `lounge/secret/v1/${name}`;
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

function seal(plain: Buffer, kek: Uint8Array, aad: string): string {
  checkKek(kek);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', kek, iv).setAAD(Buffer.from(aad));
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [
    VERSION,
    iv.toString('base64url'),
    body.toString('base64url'),
    tag.toString('base64url'),
  ].join('.');
}

const failed = (what: string, why: string): SigningKeyError =>
  new SigningKeyError(
    'KEY_DECRYPT_FAILED',
    `cannot decrypt ${what}: ${why}. Is KEY_ENCRYPTION_KEY (or the key file in the data dir) the one it was sealed with?`,
  );

function open(sealed: string, kek: Uint8Array, aad: string, what: string): Buffer {
  checkKek(kek);
  const m = typeof sealed === 'string' ? SEALED_RE.exec(sealed) : null;
  if (!m) throw failed(what, 'the stored value is not a v1 sealed value');
  try {
    const decipher = createDecipheriv('aes-256-gcm', kek, Buffer.from(m[1]!, 'base64url'));
    decipher.setAAD(Buffer.from(aad)).setAuthTag(Buffer.from(m[3]!, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(m[2]!, 'base64url')), decipher.final()]);
  } catch {
    throw failed(what, 'authentication failed (wrong key-encryption key or altered data)');
  }
}

/** Whether a stored value has the sealed form (`v1.…`); anything else is plaintext. */
export const isSealed = (stored: string): boolean => SEALED_RE.test(stored);

/** Encrypts a private JWK for storage at rest (AES-256-GCM under the KEK). */
export function sealPrivateKey(privateJwk: Ed25519PrivateJwk, kek: Uint8Array): string {
  const plain = JSON.stringify({ kty: 'OKP', crv: 'Ed25519', x: privateJwk.x, d: privateJwk.d });
  return seal(Buffer.from(plain, 'utf8'), kek, KEY_AAD);
}

/** Decrypts a sealed private JWK; a wrong KEK or any tampering throws KEY_DECRYPT_FAILED. */
export function openPrivateKey(sealed: string, kek: Uint8Array): Ed25519PrivateJwk {
  const what = 'a signing key';
  const plain = open(sealed, kek, KEY_AAD, what).toString('utf8');
  let jwk: Record<string, unknown>;
  try {
    jwk = JSON.parse(plain) as Record<string, unknown>;
  } catch {
    throw failed(what, 'the decrypted value is not JSON');
  }
  if (
    jwk.kty !== 'OKP' ||
    jwk.crv !== 'Ed25519' ||
    typeof jwk.x !== 'string' ||
    typeof jwk.d !== 'string' ||
    !B64URL_43.test(jwk.x) ||
    !B64URL_43.test(jwk.d)
  ) {
    throw failed(what, 'the decrypted value is not an Ed25519 private JWK');
  }
  return { kty: 'OKP', crv: 'Ed25519', x: jwk.x, d: jwk.d };
}

/** Seals a server secret (link or pseudonym HMAC key) named `name` under the KEK. */
export function sealSecret(name: string, secret: Uint8Array, kek: Uint8Array): string {
  return seal(Buffer.from(secret), kek, secretAad(name));
}

/** Opens a sealed server secret; a wrong KEK, name or any tampering throws KEY_DECRYPT_FAILED. */
export function openSecret(name: string, sealed: string, kek: Uint8Array): Uint8Array {
  return new Uint8Array(open(sealed, kek, secretAad(name), `the server secret ${name}`));
}
