import {
  hashSecret,
  newPrefixedSecret,
  parsePrefixedSecret,
  secretMatches,
  type PrefixedSecret,
} from './prefixed-secret.ts';
import type { RandomSource } from './random.ts';

/** Prefix of API keys (`lk_<id>_<secret>`): easy to spot in logs and by secret scanners. */
export const API_KEY_PREFIX = 'lk';

/** Prefix of single-use device enrolment tokens (`let_<id>_<secret>`). */
export const ENROLLMENT_TOKEN_PREFIX = 'let';

/** A new API key: store `id` and `hashApiKey(secret)`, show `secret` once. */
export const newApiKey = (random?: RandomSource): PrefixedSecret =>
  newPrefixedSecret(API_KEY_PREFIX, random);

/** The stored form of an API key: SHA-256 hex. */
export const hashApiKey = (secret: string): string => hashSecret(secret);

/** The key id inside an API key, or null when the string is not an API key. */
export const parseApiKey = (secret: string): string | null =>
  parsePrefixedSecret(API_KEY_PREFIX, secret);

/** Whether an API key matches its stored hash (constant time). */
export const apiKeyMatches = (secret: string, storedHash: string): boolean =>
  secretMatches(secret, storedHash);

/** A new enrolment token: store `id` and `hashEnrollmentToken(secret)`, hand out `secret`. */
export const newEnrollmentToken = (random?: RandomSource): PrefixedSecret =>
  newPrefixedSecret(ENROLLMENT_TOKEN_PREFIX, random);

/** The stored form of an enrolment token: SHA-256 hex. */
export const hashEnrollmentToken = (secret: string): string => hashSecret(secret);

/** The token id inside an enrolment token, or null when it is not one. */
export const parseEnrollmentToken = (secret: string): string | null =>
  parsePrefixedSecret(ENROLLMENT_TOKEN_PREFIX, secret);

/** Whether an enrolment token matches its stored hash (constant time). */
export const enrollmentTokenMatches = (secret: string, storedHash: string): boolean =>
  secretMatches(secret, storedHash);
