import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { AppDeps } from '../deps.ts';
import { CloudError } from '../errors.ts';
import { laneReports, laneReportSchema } from '../outbox/lanes.ts';
import type { AuthEnv } from '../http/auth.ts';
import { DatabaseUnavailableError, type UnavailableReason } from '../store/errors.ts';
import { json, jwksSchema, problems } from './schemas.ts';

/** `max-age` of the JWKS answer, seconds. */
export const JWKS_MAX_AGE_S = 5;

/** Public routes: JWKS, liveness, readiness, metrics. */
export function publicRoutes(app: OpenAPIHono<AuthEnv>, deps: AppDeps): void {
  const jwks = createRoute({
    method: 'get',
    path: '/.well-known/jwks.json',
    operationId: 'getJwks',
    summary: 'The published token-signing keys (JWKS)',
    tags: ['Public'],
    responses: {
      200: json(jwksSchema, 'the published signing keys (SPEC.md section 4)'),
      ...problems(503),
    },
  });
  app.openapi(jwks, async (c) => {
    // Short: a rotation shows on every instance within a second (KEY_VERSION_CHECK_MS) and
    // edges refetch bypassing caches; a shared cache may lag by at most this (SPEC.md 4).
    c.header('Cache-Control', `public, max-age=${JWKS_MAX_AGE_S}`);
    return c.json(await deps.keys.jwks(), 200);
  });

  const healthz = createRoute({
    method: 'get',
    path: '/healthz',
    operationId: 'getHealth',
    summary: 'Liveness: the process runs',
    tags: ['Public'],
    responses: { 200: json(z.object({ status: z.literal('ok') }), 'the process is alive') },
  });
  app.openapi(healthz, (c) => c.json({ status: 'ok' as const }, 200));

  const readyz = createRoute({
    method: 'get',
    path: '/readyz',
    operationId: 'getReadiness',
    summary: 'Readiness: database and broker reachable, outbox backlog',
    tags: ['Public'],
    responses: {
      200: json(
        z.object({
          status: z.literal('ready'),
          db: z.literal('ok'),
          broker: z.literal('connected'),
          outbox: z.object({
            crm: laneReportSchema,
            ibdp: laneReportSchema,
            mqtt: laneReportSchema,
          }),
        }),
        'database and broker reachable; each outbox lane with its backlog, oldest age and blocking error',
      ),
      ...problems(503),
    },
  });
  app.openapi(readyz, async (c) => {
    let db = 'ok';
    // Why the database is not ready (DATABASE_UNAVAILABLE's reason), for probes and operators.
    let dbReason: { dbReason: UnavailableReason } | undefined;
    try {
      await deps.store.ping();
    } catch (err) {
      db = err instanceof Error ? err.message : 'unreachable';
      if (err instanceof DatabaseUnavailableError) dbReason = { dbReason: err.reason };
    }
    const broker = deps.brokerConnected() ? 'connected' : 'disconnected';
    if (db !== 'ok' || broker !== 'connected') {
      throw new CloudError('NOT_READY', `database: ${db}; broker: ${broker}`, {
        db,
        broker,
        ...dbReason,
      });
    }
    // Informational: a stuck lane does not take the instance out of the load balancer.
    const outbox = laneReports(await deps.store.outboxLanes(), deps.clock.now());
    return c.json(
      { status: 'ready' as const, db: 'ok' as const, broker: 'connected' as const, outbox },
      200,
    );
  });

  const metrics = createRoute({
    method: 'get',
    path: '/metrics',
    operationId: 'getMetrics',
    summary: 'Prometheus metrics',
    tags: ['Public'],
    responses: {
      200: {
        description: 'Prometheus text exposition format',
        content: { 'text/plain': { schema: z.string() } },
      },
      ...problems(503),
    },
  });
  app.openapi(metrics, async (c) => {
    const text = await deps.metrics.registry.metrics();
    return c.text(text, 200, { 'Content-Type': deps.metrics.registry.contentType });
  });
}
