import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { INVITATION_ID_RE } from '@lounge/shared';
import type { MiddlewareHandler } from 'hono';
import type { AppDeps } from '../deps.ts';
import { qrPath } from '../domain/links.ts';
import { CloudError } from '../errors.ts';
import type { AuthEnv, createAuth } from '../http/auth.ts';
import { checkLink } from '../security/index.ts';
import { AUTHENTICATED, problems, security } from './schemas.ts';

/**
 * The stored QR images. Open to app/admin keys, or to anyone holding a signed link
 * (`?exp=&sig=`, HMAC over the path and expiry) so an email client can show the image.
 * A revoked or expired invitation's image is gone (410), told only to a key or a genuine link.
 */
export function qrRoutes(
  app: OpenAPIHono<AuthEnv>,
  deps: AppDeps,
  auth: ReturnType<typeof createAuth>,
): void {
  const keyAuth = auth(['app', 'admin']);
  const linkOrKey: MiddlewareHandler<AuthEnv> = async (c, next) => {
    const sig = c.req.query('sig');
    const exp = c.req.query('exp');
    if (sig === undefined && exp === undefined) return keyAuth(c, next);
    const nowSeconds = Math.floor(deps.clock.now() / 1000);
    // An authentic link past its exp goes on: the handler answers 410 for the invitation
    // behind it (links expire with it), or 403 if only the link has expired.
    if (
      !sig ||
      !exp ||
      checkLink(c.req.path, exp, sig, deps.secrets.link, nowSeconds) === 'invalid'
    ) {
      throw new CloudError('INVALID_LINK', 'the link is invalid');
    }
    await next();
  };

  for (const format of ['png', 'svg'] as const) {
    const contentType = format === 'png' ? 'image/png' : 'image/svg+xml';
    const route = createRoute({
      method: 'get',
      path: `/v1/invitations/{id}/qr.${format}`,
      operationId: format === 'png' ? 'getInvitationQrPng' : 'getInvitationQrSvg',
      summary: `The invitation's QR image (${format.toUpperCase()}), with a key or a signed link`,
      tags: ['Invitations'],
      security: [...security, {}],
      middleware: [linkOrKey] as const,
      request: {
        params: z.object({ id: z.string().regex(INVITATION_ID_RE) }),
        query: z.strictObject({ exp: z.string().optional(), sig: z.string().optional() }),
      },
      responses: {
        200: {
          description: `the stored QR image (${format.toUpperCase()})`,
          content: { [contentType]: { schema: z.string().openapi({ format: 'binary' }) } },
        },
        ...problems(...AUTHENTICATED, 400, 404, 410),
      },
    });
    app.openapi(route, async (c) => {
      const { id } = c.req.valid('param');
      if (c.req.path !== qrPath(id, format)) throw new CloudError('NOT_FOUND', 'no such image');
      const inv = await deps.store.findInvitation(id);
      if (!inv) throw new CloudError('INVITATION_NOT_FOUND', `no invitation ${id}`);
      const now = deps.clock.now();
      if (inv.status === 'revoked') {
        throw new CloudError('INVITATION_REVOKED', `invitation ${id} was revoked`);
      }
      if (now >= inv.validUntil) {
        throw new CloudError('INVITATION_EXPIRED', `invitation ${id} expired`);
      }
      const exp = c.req.valid('query').exp;
      if (exp !== undefined && now >= Number(exp) * 1000) {
        throw new CloudError('INVALID_LINK', 'the link has expired');
      }
      const body = format === 'png' ? inv.qrPng : inv.qrSvg;
      return c.body(body as Uint8Array<ArrayBuffer> | string, 200, {
        'Content-Type': contentType,
        // Signed links are per-recipient; let the browser keep the image, not shared caches.
        'Cache-Control': 'private, max-age=300',
      });
    });
  }
}
