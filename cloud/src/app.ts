import { OpenAPIHono } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { matchedRoutes } from 'hono/route';
import type { AppDeps } from './deps.ts';
import { CloudError } from './errors.ts';
import { createAuth, type AuthEnv } from './http/auth.ts';
import { requireJsonBody } from './http/content-type.ts';
import { createErrorHandler, notFound } from './http/errors.ts';
import { validationHook } from './http/validation.ts';
import { openApiConfig } from './openapi.ts';
import { adminRoutes } from './routes/admin.ts';
import { apiKeyRoutes } from './routes/api-keys.ts';
import { deviceRoutes } from './routes/devices.ts';
import { invitationRoutes } from './routes/invitations.ts';
import { publicRoutes } from './routes/public.ts';
import { qrRoutes } from './routes/qr.ts';
import { revocationRoutes } from './routes/revocations.ts';
import { signingKeyRoutes } from './routes/signing-keys.ts';
import { STUB_IBDP_PATH } from './routes/stub-ibdp.ts';
import { validateRoutes } from './routes/validate.ts';

/** SPEC.md section 5: bodies over 64 KiB are refused with 413. */
export const MAX_BODY_BYTES = 64 * 1024;

/**
 * Counts requests by matched route and status, times them, and logs them (refusals at info,
 * server errors at warn, the rest at debug so a busy cloud does not flood its logs). API
 * answers are `no-store` unless a route says otherwise: they carry tokens and personal data.
 */
function observe(deps: AppDeps): MiddlewareHandler {
  return async (c, next) => {
    const started = performance.now();
    await next();
    const handlers = matchedRoutes(c).filter((r) => r.method !== 'ALL');
    const route = handlers.at(-1)?.path ?? 'unmatched';
    const labels = { method: c.req.method, route };
    const ms = performance.now() - started;
    const status = c.res.status;
    deps.metrics.latency.observe(labels, ms / 1000);
    deps.metrics.requests.inc({ ...labels, status: String(status) });
    if (c.req.path.startsWith('/v1/') && !c.res.headers.has('cache-control')) {
      c.header('Cache-Control', 'no-store');
    }
    const level = status >= 500 ? 'warn' : status >= 400 ? 'info' : 'debug';
    deps.log[level]({ ...labels, path: c.req.path, status, ms: Math.round(ms) }, 'request');
  };
}

/** The cloud HTTP API (Hono + zod-openapi). Pure composition: opens nothing itself. */
export function createApp(deps: AppDeps): OpenAPIHono<AuthEnv> {
  const app = new OpenAPIHono<AuthEnv>({ defaultHook: validationHook });
  app.use('*', observe(deps));
  app.use(
    '*',
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: () => {
        throw new CloudError('PAYLOAD_TOO_LARGE', 'body over 64 KiB');
      },
    }),
  );
  app.use('*', requireJsonBody({ except: [STUB_IBDP_PATH] }));
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'An API key (roles app, admin) or a device assertion (a JWT signed by the device)',
  });
  const auth = createAuth(deps);
  publicRoutes(app, deps);
  invitationRoutes(app, deps, auth);
  qrRoutes(app, deps, auth);
  revocationRoutes(app, deps, auth);
  validateRoutes(app, deps, auth);
  adminRoutes(app, deps, auth);
  apiKeyRoutes(app, deps, auth);
  signingKeyRoutes(app, deps, auth);
  deviceRoutes(app, deps, auth);
  app.doc('/openapi.json', openApiConfig(deps.settings.publicUrl));
  app.onError(createErrorHandler(deps.log));
  app.notFound(notFound);
  return app;
}

/** Optional deps: absent is a valid value while building the document. */
const OPTIONAL_DEPS = new Set(['authFailures', 'clientAddress', 'random', 'mqttCredentials']);

/**
 * The OpenAPI document without a running cloud, for the typed client's generator
 * (`@lounge/cloud-client`). Building the app only registers routes: no dep is called, and any
 * use of one fails loudly instead of touching a database.
 */
export function openApiDocument(publicUrl = 'http://localhost:8080'): object {
  const settings = { publicUrl, rateLimit: 0 };
  const unused = new Proxy(
    {},
    {
      get(_target, name) {
        throw new Error(`openApiDocument: a dep was used (${String(name)})`);
      },
    },
  );
  const deps = new Proxy({} as AppDeps, {
    get: (_target, name) =>
      name === 'settings' ? settings : OPTIONAL_DEPS.has(String(name)) ? undefined : unused,
  });
  return createApp(deps).getOpenAPIDocument(openApiConfig(publicUrl));
}
