import {
  isEd25519PublicJwk,
  newDeviceId,
  type Ed25519PublicJwk,
  type Jwks,
  type LoungeConfig,
} from '@lounge/shared';
import type { AppDeps } from '../deps.ts';
import { CloudError } from '../errors.ts';
import { loungeConfigOf } from './admin.ts';
import {
  enrollmentTokenMatches,
  hashEnrollmentToken,
  hashPassword,
  newDevicePassword,
  newEnrollmentToken,
  parseEnrollmentToken,
} from '../security/index.ts';

/** Default lifetime of an enrolment token. */
export const DEFAULT_ENROLLMENT_TTL_SECONDS = 3600;

/** Creates a single-use enrolment token bound to a lounge (the secret is shown once). */
export async function createEnrollmentToken(
  deps: Pick<AppDeps, 'store' | 'clock'>,
  loungeId: string,
  ttlSeconds = DEFAULT_ENROLLMENT_TTL_SECONDS,
): Promise<{ token: string; loungeId: string; expiresAt: string }> {
  if (!(await deps.store.findLounge(loungeId))) {
    throw new CloudError('UNKNOWN_LOUNGE', `loungeId: no lounge ${loungeId}`);
  }
  const now = deps.clock.now();
  const { id, secret } = newEnrollmentToken();
  const expiresAt = now + ttlSeconds * 1000;
  await deps.store.insertEnrollmentToken({
    id,
    hash: hashEnrollmentToken(secret),
    loungeId,
    expiresAt,
    usedAt: null,
    usedByDevice: null,
    createdAt: now,
  });
  return { token: secret, loungeId, expiresAt: new Date(expiresAt).toISOString() };
}

/** What a device receives at enrolment (SPEC.md section 5). */
export interface Enrollment {
  deviceId: string;
  loungeId: string;
  cloudUrl: string;
  issuer: string;
  jwks: Jwks;
  mqtt: { url: string; username: string; password: string };
  ibdp: { url: string; token: string };
  /** The lounge's capacity, hours and zone (SPEC.md 6), as on its config topic. */
  lounge?: LoungeConfig;
}

/** What an enrolment needs. */
export type EnrollDeps = Pick<
  AppDeps,
  'store' | 'clock' | 'log' | 'keys' | 'random' | 'mqttCredentials'
> & { settings: Pick<AppDeps['settings'], 'publicUrl' | 'mqttPublicUrl' | 'ibdp'> };

/** Redeems an enrolment token for a device identity (single use, expiring, lounge-bound). */
export async function enrollDevice(
  deps: EnrollDeps,
  bearer: string,
  body: { publicKey: unknown; name?: string; hardware?: string },
): Promise<Enrollment> {
  const id = parseEnrollmentToken(bearer);
  const record = id ? await deps.store.findEnrollmentToken(id) : null;
  const now = deps.clock.now();
  if (!record || !enrollmentTokenMatches(bearer, record.hash)) {
    throw new CloudError('ENROLLMENT_TOKEN_INVALID', 'unknown enrolment token');
  }
  if (record.usedAt !== null) {
    throw new CloudError('ENROLLMENT_TOKEN_USED', 'this enrolment token was already used');
  }
  if (record.expiresAt <= now) {
    throw new CloudError('ENROLLMENT_TOKEN_INVALID', 'the enrolment token has expired');
  }
  const publicKey = checkPublicKey(body.publicKey);
  const deviceId = newDeviceId(now, deps.random);
  const password = newDevicePassword();
  // The broker login first: if the broker cannot be told, the token stays unused for a retry.
  await registerBrokerLogin(deps, { deviceId, loungeId: record.loungeId, password });
  const outcome = await deps.store.enrollDevice(
    record.id,
    {
      deviceId,
      loungeId: record.loungeId,
      name: body.name ?? deviceId,
      hardware: body.hardware ?? null,
      publicJwk: JSON.stringify(publicKey),
      mqttPasswordHash: await hashPassword(password),
      enrolledAt: now,
      lastSeenAt: now,
      online: false,
      revocationSeq: 0,
      decommissionedAt: null,
      heartbeat: null,
      heartbeatAt: null,
    },
    now,
  );
  if (outcome === 'used') {
    await deps.mqttCredentials?.decommissionDevice(deviceId);
    throw new CloudError('ENROLLMENT_TOKEN_USED', 'this enrolment token was already used');
  }
  deps.log.info({ deviceId, loungeId: record.loungeId }, 'device enrolled');
  const { publicUrl } = deps.settings;
  const lounge = await deps.store.findLounge(record.loungeId);
  return {
    deviceId,
    loungeId: record.loungeId,
    cloudUrl: publicUrl,
    issuer: publicUrl,
    jwks: await deps.keys.jwks(),
    mqtt: { url: deps.settings.mqttPublicUrl, username: deviceId, password },
    ibdp: deps.settings.ibdp,
    // The box starts with its lounge's capacity and hours (SPEC.md 6), before any MQTT.
    ...(lounge && { lounge: loungeConfigOf(lounge) }),
  };
}

async function registerBrokerLogin(
  deps: Pick<EnrollDeps, 'log' | 'mqttCredentials'>,
  credential: { deviceId: string; loungeId: string; password: string },
): Promise<void> {
  try {
    await deps.mqttCredentials?.registerDevice(credential);
  } catch (err) {
    deps.log.error({ err, deviceId: credential.deviceId }, 'broker login not created');
    throw new CloudError('NOT_READY', 'the MQTT broker could not register the device; retry');
  }
}

/** Only the public members of an Ed25519 JWK; a private `d` is refused, not stored. */
export function checkPublicKey(value: unknown): Ed25519PublicJwk {
  if (!isEd25519PublicJwk(value)) {
    throw new CloudError('INVALID_REQUEST', 'publicKey: expected an Ed25519 public JWK', {
      field: 'publicKey',
    });
  }
  if ('d' in (value as object)) {
    throw new CloudError('INVALID_REQUEST', 'publicKey: contains a private key (d)', {
      field: 'publicKey',
    });
  }
  return { kty: 'OKP', crv: 'Ed25519', x: value.x };
}
