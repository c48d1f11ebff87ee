// The floor for the edge scan route: the same stack (Hono on @hono/node-server) doing only
// JSON parse + a raw Ed25519 verify with node:crypto. No state, no log, no decision.
import { createPublicKey, verify } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import type { Ed25519PublicJwk } from '@lounge/shared';
import { Hono } from 'hono';

/** Starts the floor server on 127.0.0.1:0. */
export async function startFloorServer(jwk: Ed25519PublicJwk) {
  const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: jwk.x }, format: 'jwk' });
  const app = new Hono();
  app.post('/v1/scan', async (c) => {
    const { code } = (await c.req.json()) as { code: string };
    const dot = code.lastIndexOf('.');
    const ok = verify(
      null,
      Buffer.from(code.slice(0, dot)),
      key,
      Buffer.from(code.slice(dot + 1), 'base64url'),
    );
    return c.json({ ok });
  });
  const server: ServerType = await new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((r) => {
        if ('closeAllConnections' in server) server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
