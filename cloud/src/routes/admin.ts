import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { AppDeps } from '../deps.ts';
import { openingHoursSchema } from '@lounge/shared';
import { getLounge, loungeView, upsertLounge } from '../domain/admin.ts';
import { createEnrollmentToken } from '../domain/enroll-device.ts';
import type { AuthEnv, createAuth } from '../http/auth.ts';
import { AUTHENTICATED, json, loungeIdSchema, problems, security, WITH_BODY } from './schemas.ts';

const hoursSchema = z
  .object({ opens: z.string(), closes: z.string() })
  .openapi('OpeningHours', { description: 'HH:MM in the lounge time zone' });
const loungeSchema = z
  .object({
    id: z.string(),
    airport: z.string(),
    name: z.string(),
    timezone: z.string(),
    capacity: z.number().int().nullable(),
    hours: hoursSchema.nullable(),
    updatedAt: z.string(),
  })
  .openapi('Lounge');

/** Admin routes: lounges, enrolment tokens (API keys: api-keys.ts). */
export function adminRoutes(
  app: OpenAPIHono<AuthEnv>,
  deps: AppDeps,
  auth: ReturnType<typeof createAuth>,
): void {
  const admin = auth(['admin']);

  const lounges = createRoute({
    method: 'put',
    path: '/v1/lounges/{id}',
    operationId: 'putLounge',
    summary: 'Create or update a lounge',
    tags: ['Admin'],
    security,
    middleware: [admin] as const,
    request: {
      params: z.object({ id: loungeIdSchema }),
      body: {
        required: true,
        content: {
          'application/json': {
            schema: z.strictObject({
              airport: z.string().regex(/^[A-Z]{3}$/, 'expected an IATA airport code like MAD'),
              name: z.string().min(1).max(100),
              timezone: z.string().min(1).max(64),
              capacity: z.number().int().min(1).max(100_000).optional(),
              hours: openingHoursSchema.optional(),
            }),
          },
        },
      },
    },
    responses: {
      200: json(loungeSchema, 'the lounge'),
      ...problems(...AUTHENTICATED, ...WITH_BODY),
    },
  });
  app.openapi(lounges, async (c) => {
    const { id } = c.req.valid('param');
    return c.json(await upsertLounge(deps.store, id, c.req.valid('json'), deps.clock.now()), 200);
  });

  const listLounges = createRoute({
    method: 'get',
    path: '/v1/lounges',
    operationId: 'listLounges',
    summary: 'List every lounge with its capacity and hours',
    tags: ['Admin'],
    security,
    middleware: [admin] as const,
    responses: {
      200: json(z.object({ items: z.array(loungeSchema) }), 'every lounge'),
      ...problems(...AUTHENTICATED),
    },
  });
  app.openapi(listLounges, async (c) => {
    const items = (await deps.store.listLounges()).map(loungeView);
    return c.json({ items }, 200);
  });

  const oneLounge = createRoute({
    method: 'get',
    path: '/v1/lounges/{id}',
    operationId: 'getLounge',
    summary: 'Read one lounge (a device may read its own lounge)',
    tags: ['Admin'],
    security,
    // A box reads its own lounge's config at start (SPEC.md 8).
    middleware: [auth(['admin', 'device'])] as const,
    request: { params: z.object({ id: loungeIdSchema }) },
    responses: { 200: json(loungeSchema, 'the lounge'), ...problems(...AUTHENTICATED, 400, 404) },
  });
  app.openapi(oneLounge, async (c) => {
    const principal = c.get('principal');
    const deviceLounge = principal.kind === 'device' ? principal.loungeId : null;
    return c.json(await getLounge(deps.store, c.req.valid('param').id, { deviceLounge }), 200);
  });

  const enrollmentTokens = createRoute({
    method: 'post',
    path: '/v1/enrollment-tokens',
    operationId: 'createEnrollmentToken',
    summary: 'Create a single-use enrolment token for a box of a lounge',
    tags: ['Admin'],
    security,
    middleware: [admin] as const,
    request: {
      body: {
        required: true,
        content: {
          'application/json': {
            schema: z.strictObject({
              loungeId: loungeIdSchema,
              ttlSeconds: z
                .number()
                .int()
                .min(60)
                .max(30 * 86_400)
                .optional(),
            }),
          },
        },
      },
    },
    responses: {
      201: json(
        z.object({ token: z.string(), loungeId: z.string(), expiresAt: z.string() }),
        'a single-use enrolment token (default lifetime 1 h)',
      ),
      ...problems(...AUTHENTICATED, ...WITH_BODY, 422),
    },
  });
  app.openapi(enrollmentTokens, async (c) => {
    const { loungeId, ttlSeconds } = c.req.valid('json');
    return c.json(await createEnrollmentToken(deps, loungeId, ttlSeconds), 201);
  });
}
