import { randomUUID, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';

export interface DeviceAssertionInput {
  deviceId: string;
  privateKey: KeyObject;
  /** The cloud's issuer (`PUBLIC_URL`), from the enrolment answer. */
  audience: string;
  nowMs: number;
  ttlSeconds?: number;
}

/**
 * A device assertion (SPEC.md section 5): a JWT the device signs with its own key,
 * `iss` = `sub` = deviceId, `aud` = the cloud's issuer, short-lived, unique `jti`.
 */
export async function createDeviceAssertion(input: DeviceAssertionInput): Promise<string> {
  const iat = Math.floor(input.nowMs / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: 'EdDSA' })
    .setIssuer(input.deviceId)
    .setSubject(input.deviceId)
    .setAudience(input.audience)
    .setIssuedAt(iat)
    .setExpirationTime(iat + (input.ttlSeconds ?? 60))
    .setJti(randomUUID())
    .sign(input.privateKey);
}
