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

/** Documents the problem answers a route may give (thrown, mapped by `onError`). */
export const problems = (...statuses: number[]) =>
  Object.fromEntries(
    statuses.map((s) => [
      s,
      {
        description: 'problem+json',
        content: { 'application/problem+json': { schema: problemSchema } },
      },
    ]),
  );

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
