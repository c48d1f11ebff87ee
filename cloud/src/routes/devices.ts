import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { DEVICE_ID_RE, loungeConfigSchema } from '@lounge/shared';
import type { AppDeps } from '../deps.ts';
import { enrollDevice } from '../domain/enroll-device.ts';
import { decommissionDevice, listDevices, rotateDeviceKey } from '../domain/fleet.ts';
import { CloudError } from '../errors.ts';
import { bearerOf, type AuthEnv, type createAuth, type Principal } from '../http/auth.ts';
import {
  AUTHENTICATED,
  deviceSchema,
  json,
  jwkSchema,
  jwksSchema,
  loungeIdSchema,
  problems,
  security,
  WITH_BODY,
} from './schemas.ts';

const deviceParam = z.object({ id: z.string().regex(DEVICE_ID_RE, 'expected a device id') });
const publicKeyBody = z.looseObject({ kty: z.string(), crv: z.string(), x: z.string() });

/** A device may act on itself only; admins on any device. */
function checkSelf(principal: Principal, deviceId: string): void {
  if (principal.kind === 'device' && principal.id !== deviceId) {
    throw new CloudError('FORBIDDEN', 'a device may only act on itself');
  }
}

/** Enrolment and the fleet (SPEC.md section 5). */
export function deviceRoutes(
  app: OpenAPIHono<AuthEnv>,
  deps: AppDeps,
  auth: ReturnType<typeof createAuth>,
): void {
  const enroll = createRoute({
    method: 'post',
    path: '/v1/devices/enroll',
    operationId: 'enrollDevice',
    summary: "Enrol a box with a single-use enrolment token and the device's public key",
    tags: ['Devices'],
    security,
    request: {
      body: {
        required: true,
        content: {
          'application/json': {
            schema: z.strictObject({
              publicKey: publicKeyBody,
              name: z.string().min(1).max(100).optional(),
              hardware: z.string().min(1).max(200).optional(),
            }),
          },
        },
      },
    },
    responses: {
      201: json(
        z.object({
          deviceId: z.string(),
          loungeId: z.string(),
          cloudUrl: z.string(),
          issuer: z.string(),
          jwks: jwksSchema,
          mqtt: z.object({ url: z.string(), username: z.string(), password: z.string() }),
          ibdp: z.object({ url: z.string(), token: z.string() }),
          lounge: loungeConfigSchema.optional(),
        }),
        'the device identity and where to connect',
      ),
      ...problems(...WITH_BODY, 401, 409, 429, 503),
    },
  });
  app.openapi(enroll, async (c) => {
    // An enrolment token is a credential too: failures spend the address's budget (SPEC.md 3).
    const enrolment = await auth.limitFailures(c, () => {
      const bearer = bearerOf(c.req.header('authorization'));
      if (!bearer) {
        throw new CloudError('ENROLLMENT_TOKEN_INVALID', 'Authorization: Bearer <enrolment token>');
      }
      return enrollDevice(deps, bearer, c.req.valid('json'));
    });
    return c.json(enrolment, 201);
  });

  const list = createRoute({
    method: 'get',
    path: '/v1/devices',
    operationId: 'listDevices',
    summary: 'List the fleet, optionally one lounge',
    tags: ['Devices'],
    security,
    middleware: [auth(['admin'])] as const,
    request: {
      query: z.strictObject({
        loungeId: loungeIdSchema.optional(),
        stale: z.enum(['true', 'false'], { message: 'stale must be true or false' }).optional(),
      }),
    },
    responses: {
      200: json(
        z.object({ devices: z.array(deviceSchema) }),
        'the fleet, with each device last heartbeat',
      ),
      ...problems(...AUTHENTICATED, 400),
    },
  });
  app.openapi(list, async (c) => {
    const { loungeId, stale } = c.req.valid('query');
    const filter = { loungeId, stale: stale === undefined ? undefined : stale === 'true' };
    return c.json(await listDevices(deps, filter), 200);
  });

  const decommission = createRoute({
    method: 'post',
    path: '/v1/devices/{id}/decommission',
    operationId: 'decommissionDevice',
    summary: 'Decommission a device (an admin, or the device itself)',
    tags: ['Devices'],
    security,
    middleware: [auth(['admin', 'device'])] as const,
    request: { params: deviceParam },
    responses: {
      200: json(deviceSchema, 'the decommissioned device'),
      ...problems(...AUTHENTICATED, ...WITH_BODY, 404),
    },
  });
  app.openapi(decommission, async (c) => {
    const { id } = c.req.valid('param');
    checkSelf(c.get('principal'), id);
    return c.json(await decommissionDevice(deps, id), 200);
  });

  const rotateKey = createRoute({
    method: 'post',
    path: '/v1/devices/{id}/key',
    operationId: 'rotateDeviceKey',
    summary: "Replace the device's public key, signed with its current key",
    tags: ['Devices'],
    security,
    middleware: [auth(['device'])] as const,
    request: {
      params: deviceParam,
      body: {
        required: true,
        content: { 'application/json': { schema: z.strictObject({ publicKey: publicKeyBody }) } },
      },
    },
    responses: {
      200: json(z.object({ deviceId: z.string(), publicKey: jwkSchema }), 'the new key'),
      ...problems(...AUTHENTICATED, ...WITH_BODY),
    },
  });
  app.openapi(rotateKey, async (c) => {
    const { id } = c.req.valid('param');
    checkSelf(c.get('principal'), id);
    return c.json(await rotateDeviceKey(deps, id, c.req.valid('json').publicKey), 200);
  });
}
