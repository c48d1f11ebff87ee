import { createHash, timingSafeEqual } from 'node:crypto';
import { randomSecret, toBase64url, type RandomSource } from './random.ts';

/** A bearer secret and the id it carries: `<prefix>_<id>_<32 random bytes base64url>`. */
export interface PrefixedSecret {
  id: string;
  secret: string;
}

// 8 random bytes of id (hex) are plenty to look a row up; the 32-byte tail is the secret.
const ID_BYTES = 8;
const SECRET_BYTES = 32;

const patternOf = (prefix: string): RegExp =>
  new RegExp(`^${prefix}_([0-9a-f]{${ID_BYTES * 2}})_([A-Za-z0-9_-]{43})$`);

/** Makes a new secret whose id is readable from the secret itself, so lookup is by id. */
export function newPrefixedSecret(
  prefix: string,
  random: RandomSource = randomSecret,
): PrefixedSecret {
  const id = Buffer.from(random(ID_BYTES)).toString('hex');
  const secret = `${prefix}_${id}_${toBase64url(random(SECRET_BYTES))}`;
  return { id, secret };
}

/** The id inside a secret with this prefix, or null when it is not one of ours. */
export function parsePrefixedSecret(prefix: string, secret: string): string | null {
  if (typeof secret !== 'string') return null;
  const match = patternOf(prefix).exec(secret.trim());
  return match ? match[1]! : null;
}

/**
 * SHA-256 hex of the secret. The secrets carry 256 random bits, so a slow KDF would only cost
 * CPU on every request without making a stolen hash any easier to reverse.
 */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret.trim(), 'utf8').digest('hex');
}

/** Whether `secret` hashes to `storedHash`, compared in constant time. */
export function secretMatches(secret: string, storedHash: string): boolean {
  if (typeof secret !== 'string' || typeof storedHash !== 'string') return false;
  const actual = Buffer.from(hashSecret(secret), 'hex');
  const expected = Buffer.from(storedHash, 'hex');
  return expected.length === actual.length && timingSafeEqual(actual, expected);
}
