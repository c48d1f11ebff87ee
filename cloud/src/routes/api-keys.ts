import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { AppDeps } from '../deps.ts';
import { createApiKey } from '../domain/admin.ts';
import { listApiKeys, revokeApiKey } from '../domain/api-keys.ts';
import type { AuthEnv, createAuth } from '../http/auth.ts';
import { AUTHENTICATED, json, problems, security, WITH_BODY } from './schemas.ts';

const apiKeySchema = z
  .object({
    id: z.string(),
    role: z.enum(['app', 'admin']),
    name: z.string(),
    createdAt: z.string(),
    revokedAt: z.string().nullable(),
  })
  .openapi('ApiKey');

const idParam = z.object({
  id: z.string().regex(/^[A-Za-z0-9_]{1,64}$/, 'expected an API key id'),
});

/** API keys (SPEC.md 5): create, list (never secrets), revoke. Admin only. */
export function apiKeyRoutes(
  app: OpenAPIHono<AuthEnv>,
  deps: AppDeps,
  auth: ReturnType<typeof createAuth>,
): void {
  const admin = auth(['admin']);

  const create = createRoute({
    method: 'post',
    path: '/v1/api-keys',
    operationId: 'createApiKey',
    summary: 'Create an API key (the secret is shown once)',
    tags: ['Admin'],
    security,
    middleware: [admin] as const,
    request: {
      body: {
        required: true,
        content: {
          'application/json': {
            schema: z.strictObject({
              role: z.enum(['app', 'admin']),
              name: z.string().min(1).max(100),
            }),
          },
        },
      },
    },
    responses: {
      201: json(
        z.object({ id: z.string(), role: z.string(), name: z.string(), key: z.string() }),
        'the new key; `key` is the secret, shown once',
      ),
      ...problems(...AUTHENTICATED, ...WITH_BODY),
    },
  });
  app.openapi(create, async (c) => {
    const { role, name } = c.req.valid('json');
    return c.json(await createApiKey(deps.store, role, name, deps.clock.now()), 201);
  });

  const list = createRoute({
    method: 'get',
    path: '/v1/api-keys',
    operationId: 'listApiKeys',
    summary: 'List every API key, never a secret',
    tags: ['Admin'],
    security,
    middleware: [admin] as const,
    request: { query: z.strictObject({}) },
    responses: {
      200: json(z.object({ items: z.array(apiKeySchema) }), 'every key, oldest first; no secrets'),
      ...problems(...AUTHENTICATED, 400),
    },
  });
  app.openapi(list, async (c) => c.json({ items: await listApiKeys(deps.store) }, 200));

  const revoke = createRoute({
    method: 'post',
    path: '/v1/api-keys/{id}/revoke',
    operationId: 'revokeApiKey',
    summary: 'Revoke an API key, at once on every instance',
    tags: ['Admin'],
    security,
    middleware: [admin] as const,
    request: { params: idParam },
    responses: {
      200: json(apiKeySchema, 'the revoked key (idempotent: the first revokedAt)'),
      ...problems(...AUTHENTICATED, ...WITH_BODY, 404, 409),
    },
  });
  app.openapi(revoke, async (c) => {
    const { id } = c.req.valid('param');
    const key = await revokeApiKey(deps.store, id, deps.clock.now());
    // An audit line: who cut off which key.
    deps.log.warn({ keyId: id, by: c.get('principal').id }, 'API key revoked');
    return c.json(key, 200);
  });
}
