import { readFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import type { Hono } from 'hono';
import { EdgeError } from '../errors.ts';

/** `console` in the edge config (SPEC.md 8): where to listen, and HTTPS when `tls` is set. */
export interface ConsoleListen {
  host: string;
  port: number;
  tls: { cert: string; key: string } | null;
}

function readPem(path: string, field: string): Buffer {
  try {
    return readFileSync(path);
  } catch {
    throw new EdgeError('CONFIG_INVALID', [`config: console.tls.${field}: cannot read ${path}`]);
  }
}

/** Listens for the console; resolves with the server and its URL once bound. */
export function listenConsole(
  app: Hono,
  c: ConsoleListen,
): Promise<{ server: ServerType; url: string }> {
  const tls = c.tls && { cert: readPem(c.tls.cert, 'cert'), key: readPem(c.tls.key, 'key') };
  return new Promise((resolve, reject) => {
    const server = serve({
      fetch: app.fetch,
      hostname: c.host,
      port: c.port,
      ...(tls && { createServer: createHttpsServer, serverOptions: tls }),
    });
    server.once('error', reject);
    server.once('listening', () => {
      const a = server.address() as AddressInfo;
      const host = a.address.includes(':') ? `[${a.address}]` : a.address;
      resolve({ server, url: `${tls ? 'https' : 'http'}://${host}:${a.port}/` });
    });
  });
}
