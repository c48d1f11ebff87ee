import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { AppDeps } from '../deps.ts';
import { revocationMessage } from '../domain/revoke-invitation.ts';
import type { AuthEnv, createAuth } from '../http/auth.ts';
import { AUTHENTICATED, json, problems, revocationSchema, security } from './schemas.ts';

/** The catch-up feed the edges page through (SPEC.md sections 5 and 6). */
export function revocationRoutes(
  app: OpenAPIHono<AuthEnv>,
  deps: AppDeps,
  auth: ReturnType<typeof createAuth>,
): void {
  const route = createRoute({
    method: 'get',
    path: '/v1/revocations',
    operationId: 'listRevocations',
    summary: 'Page through the revocation feed (the edges catch up with it)',
    tags: ['Lounge systems'],
    security,
    middleware: [auth(['device', 'admin'])] as const,
    request: {
      query: z.strictObject({
        after: z.coerce.number().int().min(0).default(0),
        limit: z.coerce.number().int().min(1).max(5000).default(1000),
      }),
    },
    responses: {
      200: json(
        z.object({ entries: z.array(revocationSchema), lastSeq: z.number().int() }),
        'revocations with seq > after, ascending; lastSeq is the newest seq overall',
      ),
      ...problems(...AUTHENTICATED, 400),
    },
  });
  app.openapi(route, async (c) => {
    const { after, limit } = c.req.valid('query');
    // lastSeq first: an entry committed in between only makes the page newer than lastSeq.
    const lastSeq = await deps.store.lastRevocationSeq();
    const entries = await deps.store.listRevocations(after, limit);
    const principal = c.get('principal');
    if (principal.kind === 'device' && entries.length === 0) {
      // A device that asks past the head is caught up: that is its sync position.
      await deps.store.updateDeviceStatus(principal.id, {
        revocationSeq: Math.min(after, lastSeq),
      });
    }
    return c.json(
      {
        entries: entries.map(revocationMessage),
        lastSeq: Math.max(lastSeq, entries.at(-1)?.seq ?? 0),
      },
      200,
    );
  });
}
