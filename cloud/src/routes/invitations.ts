import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { INVITATION_ID_RE } from '@lounge/shared';
import type { AppDeps } from '../deps.ts';
import { requestHash, withIdempotency } from '../domain/idempotency.ts';
import { issueInvitation } from '../domain/issue-invitation.ts';
import { revokeInvitation } from '../domain/revoke-invitation.ts';
import { invitationView, type InvitationView } from '../domain/views.ts';
import { CloudError } from '../errors.ts';
import type { AuthEnv, createAuth } from '../http/auth.ts';
import {
  AUTHENTICATED,
  invitationSchema,
  json,
  loungeIdSchema,
  problems,
  revocationSchema,
  security,
  WITH_BODY,
} from './schemas.ts';

const issueBody = z.strictObject({
  customerId: z.string().min(1).max(64),
  loungeId: loungeIdSchema,
  flight: z.strictObject({
    number: z.string().regex(/^[A-Z0-9]{2}\d{1,4}[A-Z]?$/, 'expected a flight number like IB3166'),
    date: z.iso.date(),
  }),
  guests: z.number().int().min(0).max(20).optional(),
});

const idParam = z.object({
  id: z.string().regex(INVITATION_ID_RE, 'expected an invitation id (inv_…)'),
});

/** Invitation routes: issue, read, list, revoke (SPEC.md section 5). */
export function invitationRoutes(
  app: OpenAPIHono<AuthEnv>,
  deps: AppDeps,
  auth: ReturnType<typeof createAuth>,
): void {
  const ctx = () => ({
    publicUrl: deps.settings.publicUrl,
    linkSecret: deps.secrets.link,
    nowMs: deps.clock.now(),
  });

  const issue = createRoute({
    method: 'post',
    path: '/v1/invitations',
    operationId: 'issueInvitation',
    summary: 'Issue an invitation: check loyalty and flight, sign the QR token, store it',
    tags: ['Invitations'],
    security,
    middleware: [auth(['app', 'admin'])] as const,
    request: {
      headers: z.object({ 'idempotency-key': z.string().min(1).max(255).optional() }),
      body: { required: true, content: { 'application/json': { schema: issueBody } } },
    },
    responses: {
      201: json(invitationSchema, 'the invitation'),
      ...problems(...AUTHENTICATED, ...WITH_BODY, 409, 422),
    },
  });
  app.openapi(issue, async (c) => {
    const body = c.req.valid('json');
    const key = c.req.valid('header')['idempotency-key'];
    const principal = c.get('principal');
    const run = async () => {
      try {
        const view = await issueInvitation(deps, body);
        deps.metrics.issuance.inc({ code: 'OK' });
        return { status: 201, body: JSON.stringify(view) };
      } catch (err) {
        if (err instanceof CloudError) deps.metrics.issuance.inc({ code: err.code });
        throw err;
      }
    };
    const answer = key
      ? await withIdempotency(
          deps.store,
          {
            scope: `${principal.id}:POST /v1/invitations`,
            key,
            hash: requestHash(body),
            now: () => deps.clock.now(),
          },
          run,
        )
      : await run();
    return c.json(JSON.parse(answer.body) as InvitationView, 201);
  });

  const get = createRoute({
    method: 'get',
    path: '/v1/invitations/{id}',
    operationId: 'getInvitation',
    summary: 'Read an invitation, with fresh signed QR links',
    tags: ['Invitations'],
    security,
    middleware: [auth(['app', 'admin'])] as const,
    request: { params: idParam },
    responses: {
      200: json(invitationSchema, 'the invitation'),
      ...problems(...AUTHENTICATED, 400, 404),
    },
  });
  app.openapi(get, async (c) => {
    const { id } = c.req.valid('param');
    const inv = await deps.store.findInvitation(id);
    if (!inv) throw new CloudError('INVITATION_NOT_FOUND', `no invitation ${id}`);
    return c.json(invitationView(inv, ctx()), 200);
  });

  const list = createRoute({
    method: 'get',
    path: '/v1/invitations',
    operationId: 'listInvitations',
    summary: 'List invitations by customer, lounge, status and flight dates, newest first',
    tags: ['Invitations'],
    security,
    middleware: [auth(['app', 'admin'])] as const,
    request: {
      query: z.strictObject({
        customerId: z.string().min(1).max(64).optional(),
        loungeId: loungeIdSchema.optional(),
        status: z.enum(['issued', 'used', 'revoked', 'expired']).optional(),
        from: z.iso.date().optional(),
        to: z.iso.date().optional(),
        cursor: z.string().max(200).optional(),
        limit: z.coerce.number().int().min(1).max(100).default(20),
      }),
    },
    responses: {
      200: json(
        z.object({ items: z.array(invitationSchema), nextCursor: z.string().nullable() }),
        'newest first',
      ),
      ...problems(...AUTHENTICATED, 400),
    },
  });
  app.openapi(list, async (c) => {
    const { cursor, limit, ...filter } = c.req.valid('query');
    const principal = c.get('principal');
    // An app lists one customer's invitations at a time (SPEC.md 5); admins may list any.
    if (principal.kind === 'key' && principal.role === 'app' && !filter.customerId) {
      throw new CloudError('INVALID_REQUEST', 'customerId is required with an app key');
    }
    const now = ctx();
    const page = await deps.store.listInvitations(
      { ...filter, nowMs: now.nowMs },
      limit,
      cursor ?? null,
    );
    return c.json(
      { items: page.items.map((i) => invitationView(i, now)), nextCursor: page.nextCursor },
      200,
    );
  });

  const revoke = createRoute({
    method: 'post',
    path: '/v1/invitations/{id}/revoke',
    operationId: 'revokeInvitation',
    summary: 'Revoke an invitation (idempotent) and publish the revocation to the edges',
    tags: ['Invitations'],
    security,
    middleware: [auth(['app', 'admin'])] as const,
    request: {
      params: idParam,
      body: {
        required: true,
        content: {
          'application/json': { schema: z.strictObject({ reason: z.string().min(1).max(200) }) },
        },
      },
    },
    responses: {
      200: json(
        invitationSchema.extend({ revocation: revocationSchema }),
        'the revoked invitation and its revocation (same answer when repeated)',
      ),
      ...problems(...AUTHENTICATED, ...WITH_BODY, 404),
    },
  });
  app.openapi(revoke, async (c) => {
    const { id } = c.req.valid('param');
    const { reason } = c.req.valid('json');
    return c.json(await revokeInvitation(deps, id, reason), 200);
  });
}
