import { z } from '@hono/zod-openapi';
import { LOUNGE_ID_RE } from '@lounge/shared';

/** Response schemas shared by the routes; `/openapi.json` is generated from them. */

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string(),
  })
  .openapi('Problem');

/** What each problem status means here (SPEC.md 5); the codes are in docs/cloud-api.md. */
const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  400: 'INVALID_REQUEST: a body, query or path parameter fails validation, or names an unknown field',
  401: 'UNAUTHORIZED (or DEVICE_DECOMMISSIONED, ENROLLMENT_TOKEN_INVALID): no valid credential',
  403: 'FORBIDDEN: the credential may not use this route (or this resource)',
  404: 'not found (INVITATION_NOT_FOUND, NOT_FOUND, …)',
  409: 'conflict with the current state (see the route)',
  410: 'gone (INVITATION_REVOKED, INVITATION_EXPIRED)',
  413: 'PAYLOAD_TOO_LARGE: body over 64 KiB',
  415: 'UNSUPPORTED_MEDIA_TYPE: a non-empty body that is not application/json',
  422: 'the request is well formed but cannot be carried out (see the route)',
  429: 'RATE_LIMITED: too many requests for this key, or failed authentications from this address',
  503: 'DATABASE_UNAVAILABLE (or an upstream, see the route): retry after Retry-After seconds',
};

/** 429 and 503 say when to retry. */
const RETRY_AFTER = {
  'Retry-After': { description: 'seconds to wait before retrying', schema: { type: 'integer' } },
} as const;

/** Documents the problem answers a route may give (thrown, mapped by `onError`). */
export const problems = (...statuses: number[]) =>
  Object.fromEntries(
    [...new Set(statuses)]
      .sort((a, b) => a - b)
      .map((s) => [
        s,
        {
          description: PROBLEM_DESCRIPTIONS[s] ?? 'problem+json',
          ...(s === 429 || s === 503 ? { headers: RETRY_AFTER } : {}),
          content: { 'application/problem+json': { schema: problemSchema } },
        },
      ]),
  );

/**
 * The statuses that come with how a route is reached, for `problems(...)`: every credential
 * check can answer 401, 403 (role), 429 (per-key limit, failed-auth limiter) and 503 (keys and
 * devices are read from the database); a route with a body 400, 413 and 415. The cross-check
 * in cloud/test/integration/openapi.test.ts calls every operation to hold these true.
 */
export const AUTHENTICATED = [401, 403, 429, 503] as const;
export const WITH_BODY = [400, 413, 415] as const;

export const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

export const loungeIdSchema = z.string().regex(LOUNGE_ID_RE, 'expected e.g. MAD-T4S-VELAZQUEZ');

const qrSchema = z.object({ png: z.string(), svg: z.string(), expiresAt: z.string() });

export const invitationSchema = z
  .object({
    id: z.string(),
    status: z.enum(['issued', 'used', 'revoked', 'expired']),
    customerId: z.string(),
    loungeId: z.string(),
    flight: z.object({ number: z.string(), date: z.string(), departureTime: z.string() }),
    guests: z.number().int(),
    entries: z.number().int(),
    validFrom: z.string(),
    validUntil: z.string(),
    qr: qrSchema,
    token: z.string(),
    createdAt: z.string(),
    revokedAt: z.string().optional(),
    usedAt: z.string().optional(),
  })
  .openapi('Invitation');

export const revocationSchema = z
  .object({
    seq: z.number().int(),
    invitationId: z.string(),
    revokedAt: z.string(),
    reason: z.string(),
    exp: z.number().int(),
  })
  .openapi('Revocation');

export const deviceSchema = z
  .object({
    deviceId: z.string(),
    loungeId: z.string(),
    name: z.string(),
    hardware: z.string().nullable(),
    enrolledAt: z.string(),
    lastSeenAt: z.string().nullable(),
    online: z.boolean(),
    stale: z.boolean().openapi({ description: 'no heartbeat for 3 minutes' }),
    heartbeatAt: z.string().nullable(),
    heartbeat: z
      .looseObject({ online: z.literal(true), at: z.string() })
      .nullable()
      .openapi({
        description:
          'the last full heartbeat: the box /healthz body plus online, version, kids, storage, at',
      }),
    revocationSeq: z.number().int(),
    decommissionedAt: z.string().nullable(),
  })
  .openapi('Device');

export const jwkSchema = z.object({
  kty: z.literal('OKP'),
  crv: z.literal('Ed25519'),
  x: z.string(),
  kid: z.string().optional(),
  alg: z.literal('EdDSA').optional(),
  use: z.literal('sig').optional(),
});

export const jwksSchema = z.object({ keys: z.array(jwkSchema) }).openapi('Jwks');

export const decisionSchema = z
  .object({
    decision: z.enum(['grant', 'deny']),
    reason: z.string(),
    invitationId: z.string().nullable(),
    admit: z.number().int(),
    entriesLeft: z.number().int(),
    validUntil: z.string().nullable(),
    gate: z.string(),
    eventId: z.string(),
    decidedAt: z.string(),
    offline: z.boolean(),
    dryRun: z.literal(true).optional(),
    clockSuspect: z.literal(true).optional(),
  })
  .openapi('Decision');

export const security = [{ bearer: [] }];
