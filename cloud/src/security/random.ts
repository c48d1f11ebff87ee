import { randomBytes } from 'node:crypto';

/** A source of random bytes, injected so tests can be deterministic. */
export type RandomSource = (bytes: number) => Uint8Array;

/** Cryptographically random bytes (default 32: a 256-bit secret). */
export function randomSecret(bytes = 32): Uint8Array {
  return new Uint8Array(randomBytes(bytes));
}

/** Bytes as base64url without padding (RFC 4648 section 5). */
export const toBase64url = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url');
