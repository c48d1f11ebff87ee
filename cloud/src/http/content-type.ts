import type { Context, MiddlewareHandler } from 'hono';
import { CloudError } from '../errors.ts';

/** `application/json`, any case, with optional parameters (`; charset=utf-8`). */
export function isJsonMediaType(contentType: string | undefined): boolean {
  return contentType?.split(';', 1)[0]!.trim().toLowerCase() === 'application/json';
}

/** Whether the request carries at least one body byte (a read body stays cached for the route). */
async function hasBody(c: Context): Promise<boolean> {
  const raw = c.req.raw;
  if (!raw.body) return false;
  const length = raw.headers.get('content-length');
  if (length !== null && !raw.headers.has('transfer-encoding')) return Number(length) > 0;
  return (await c.req.arrayBuffer()).byteLength > 0;
}

/**
 * SPEC.md 5: a non-empty body that is not `application/json` is 415 UNSUPPORTED_MEDIA_TYPE on
 * every route, before any credential is looked at; without it a body the route's validator
 * skipped reached the handler (zod-openapi only validates the media types a route declares).
 * `except` lists path prefixes that speak another protocol (the IBDP stand-in's NDJSON).
 */
export function requireJsonBody(opts: { except?: readonly string[] } = {}): MiddlewareHandler {
  const except = opts.except ?? [];
  return async (c, next) => {
    const type = c.req.header('content-type');
    if (
      !isJsonMediaType(type) &&
      !except.some((p) => c.req.path.startsWith(p)) &&
      (await hasBody(c))
    ) {
      throw new CloudError(
        'UNSUPPORTED_MEDIA_TYPE',
        type
          ? `the body is ${type.split(';', 1)[0]!.trim()}; send it as application/json`
          : 'the body has no Content-Type; send it as application/json',
      );
    }
    await next();
  };
}
