import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { EVENT_ID_RE, INVITATION_ID_RE, MAX_CODE_BYTES, ProblemError } from '@lounge/shared';
import type { AppDeps } from '../deps.ts';
import { recordEntries } from '../domain/record-entries.ts';
import { validateCode } from '../domain/validate.ts';
import type { AuthEnv, createAuth } from '../http/auth.ts';
import { decisionSchema, json, loungeIdSchema, problems, security } from './schemas.ts';

const entrySchema = z.object({
  eventId: z.string().regex(EVENT_ID_RE, 'expected an event id (evt_…)'),
  invitationId: z.string().regex(INVITATION_ID_RE, 'expected an invitation id (inv_…)'),
  deviceId: z.string().min(1).max(64),
  gate: z.string().min(1).max(64),
  admit: z
    .number()
    .int()
    .refine((n) => n !== 0, 'must not be 0'),
  at: z.iso.datetime({ offset: true }),
});

/** Cloud-side decisions and the devices' entry batches. */
export function validateRoutes(
  app: OpenAPIHono<AuthEnv>,
  deps: AppDeps,
  auth: ReturnType<typeof createAuth>,
): void {
  const validate = createRoute({
    method: 'post',
    path: '/v1/validate',
    security,
    middleware: [auth(['device', 'admin'])] as const,
    request: {
      body: {
        required: true,
        content: {
          'application/json': {
            schema: z.strictObject({
              code: z.string().min(1).max(MAX_CODE_BYTES),
              loungeId: loungeIdSchema,
              consume: z.boolean().optional(),
              gate: z.string().min(1).max(64).optional(),
            }),
          },
        },
      },
    },
    responses: {
      200: json(decisionSchema, 'the decision (a deny is a 200 too)'),
      ...problems(400, 401, 403, 415),
    },
  });
  app.openapi(validate, async (c) => {
    const principal = c.get('principal');
    const body = c.req.valid('json');
    // A device decides for its own lounge only (it could otherwise consume another's entries).
    if (principal.kind === 'device' && body.loungeId !== principal.loungeId) {
      throw new ProblemError('FORBIDDEN', `this device serves ${principal.loungeId}`);
    }
    return c.json(await validateCode(deps, body, principal.id), 200);
  });

  const entries = createRoute({
    method: 'post',
    path: '/v1/entries',
    security,
    middleware: [auth(['device'])] as const,
    request: {
      body: {
        required: true,
        content: {
          'application/json': {
            schema: z.object({ entries: z.array(entrySchema).min(1).max(500) }),
          },
        },
      },
    },
    responses: {
      200: json(
        z.object({ applied: z.number(), duplicates: z.number(), unknown: z.number() }),
        'what was recorded (idempotent by eventId)',
      ),
      ...problems(400, 401, 403, 415),
    },
  });
  app.openapi(entries, async (c) => {
    return c.json(await recordEntries(deps, c.req.valid('json').entries), 200);
  });
}
