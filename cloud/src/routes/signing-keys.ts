import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { AppDeps } from '../deps.ts';
import { retireSigningKey } from '../domain/retire-signing-key.ts';
import type { AuthEnv, createAuth } from '../http/auth.ts';
import { AUTHENTICATED, json, problems, security, WITH_BODY } from './schemas.ts';

const retirementSchema = z
  .object({
    kid: z.string(),
    retiredAt: z.string(),
    reissued: z.number().int(),
    staleDevices: z.array(
      z.object({
        deviceId: z.string(),
        loungeId: z.string(),
        online: z.boolean(),
        lastSeenAt: z.string().nullable(),
      }),
    ),
  })
  .openapi('SigningKeyRetirement');

/** Signing keys (SPEC.md 5): emergency retirement. Admin only. */
export function signingKeyRoutes(
  app: OpenAPIHono<AuthEnv>,
  deps: AppDeps,
  auth: ReturnType<typeof createAuth>,
): void {
  const retire = createRoute({
    method: 'post',
    path: '/v1/signing-keys/{kid}/retire',
    summary: 'Retire a leaked signing key at once and re-sign what it signed',
    tags: ['Admin'],
    operationId: 'retireSigningKey',
    security,
    middleware: [auth(['admin'])] as const,
    request: {
      params: z.object({ kid: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'expected a key id') }),
      body: {
        required: true,
        content: {
          'application/json': { schema: z.strictObject({ reason: z.string().min(1).max(500) }) },
        },
      },
    },
    responses: {
      200: json(retirementSchema, 'retired (idempotent: a repeat answers the same retirement)'),
      ...problems(...AUTHENTICATED, ...WITH_BODY, 404),
    },
  });
  app.openapi(retire, async (c) => {
    const { kid } = c.req.valid('param');
    const { reason } = c.req.valid('json');
    const result = await retireSigningKey(deps, kid, reason);
    // Who asked (the use case logs the retirement itself, with its reason, as a warning).
    deps.log.info({ kid, by: c.get('principal').id }, 'signing key retirement requested');
    return c.json(result, 200);
  });
}
