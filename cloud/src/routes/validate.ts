import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { EVENT_REFUSAL_CODES, MAX_CODE_BYTES } from '@lounge/shared';
import type { AppDeps } from '../deps.ts';
import { recordLoungeEvents } from '../domain/record-lounge-events.ts';
import { validateCode } from '../domain/validate.ts';
import { CloudError } from '../errors.ts';
import type { AuthEnv, createAuth } from '../http/auth.ts';
import {
  AUTHENTICATED,
  decisionSchema,
  json,
  loungeIdSchema,
  problems,
  security,
  WITH_BODY,
} from './schemas.ts';

/**
 * The batch shape only: each event needs an eventId to be answered for. Everything else is
 * checked per event (SPEC.md 5), so one bad event is refused without failing the batch.
 */
const batchSchema = z.strictObject({
  events: z
    .array(
      z
        .looseObject({ eventId: z.string().min(1).max(64) })
        .openapi({ description: 'a lounge event (SPEC.md 8): grant, annul, exit or adjust' }),
    )
    .min(1)
    .max(500),
});

const answerSchema = z.object({
  accepted: z.array(z.string()),
  refused: z.array(z.object({ eventId: z.string().nullable(), code: z.enum(EVENT_REFUSAL_CODES) })),
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
    operationId: 'validateCode',
    summary: 'Decide a scanned code in the cloud (for lounges without an edge agent)',
    tags: ['Lounge systems'],
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
      ...problems(...AUTHENTICATED, ...WITH_BODY),
    },
  });
  app.openapi(validate, async (c) => {
    const principal = c.get('principal');
    const body = c.req.valid('json');
    // A device decides for its own lounge only (it could otherwise consume another's entries).
    if (principal.kind === 'device' && body.loungeId !== principal.loungeId) {
      throw new CloudError('FORBIDDEN', `this device serves ${principal.loungeId}`);
    }
    return c.json(await validateCode(deps, body, principal.id), 200);
  });

  const entries = createRoute({
    method: 'post',
    path: '/v1/entries',
    operationId: 'recordEntries',
    summary: "Upload a batch of the calling device's lounge events",
    tags: ['Lounge systems'],
    security,
    middleware: [auth(['device'])] as const,
    request: {
      body: {
        required: true,
        content: {
          'application/json': {
            schema: batchSchema,
          },
        },
      },
    },
    responses: {
      200: json(answerSchema, 'each event accepted (stored now or before) or refused with a code'),
      ...problems(...AUTHENTICATED, ...WITH_BODY),
    },
  });
  app.openapi(entries, async (c) => {
    const principal = c.get('principal');
    if (principal.kind !== 'device') throw new CloudError('FORBIDDEN', 'devices only');
    const answer = await recordLoungeEvents(deps, c.req.valid('json').events, {
      channel: 'http',
      loungeId: principal.loungeId,
      mayAuthor: (deviceId) => deviceId === principal.id,
    });
    return c.json(answer, 200);
  });
}
