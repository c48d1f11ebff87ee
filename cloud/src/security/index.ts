export { randomSecret, toBase64url } from './random.ts';
export type { RandomSource } from './random.ts';
export { checkLink, signLink, verifyLink } from './signed-link.ts';
export type { LinkCheck, LinkSignature } from './signed-link.ts';
export { PSEUDONYM_LENGTH, pseudonymize } from './pseudonym.ts';
export {
  API_KEY_PREFIX,
  ENROLLMENT_TOKEN_PREFIX,
  apiKeyMatches,
  enrollmentTokenMatches,
  hashApiKey,
  hashEnrollmentToken,
  newApiKey,
  newEnrollmentToken,
  parseApiKey,
  parseEnrollmentToken,
} from './api-keys.ts';
export type { PrefixedSecret } from './prefixed-secret.ts';
export { hashPassword, newDevicePassword, verifyPassword } from './passwords.ts';
export type { PasswordHashOptions } from './passwords.ts';
export { createBoundedWork, WorkQueueFullError } from './bounded-work.ts';
export type { BoundedWork } from './bounded-work.ts';
export { createFailureLimiter } from './failure-limiter.ts';
export type { FailureLimiter, FailureOutcome } from './failure-limiter.ts';
