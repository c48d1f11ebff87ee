export { KID_LENGTH, generateSigningKey } from './generate.ts';
export type { GeneratedSigningKey } from './generate.ts';
export { isSealed, openPrivateKey, openSecret, sealPrivateKey, sealSecret } from './seal.ts';
export { KEK_FILE, loadKek } from './kek.ts';
export type { LoadKekOptions, WarnLogger } from './kek.ts';
export {
  DEFAULT_PUBLISH_LEAD_MS,
  STANDBY_AT,
  currentSigningKid,
  retiredKids,
  standbyKid,
  jwksOf,
  planRotation,
  publishedKeys,
} from './rotation.ts';
export type { SigningKeyRecord } from './rotation.ts';
export { SigningKeyError } from './errors.ts';
export type { SigningKeyErrorCode } from './errors.ts';
export type { KeyRetirement, KeyRing } from './port.ts';
