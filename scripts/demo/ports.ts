import { createServer } from 'node:net';

/** A port the demo will use, and whether it had to leave the preferred one. */
export interface PickedPort {
  port: number;
  preferred: number;
  fellBack: boolean;
}

/** Binds 127.0.0.1:`port` (0 = any free one) for a moment; resolves with the port, or null. */
function tryBind(port: number, host: string): Promise<number | null> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(null));
    server.listen({ host, port, exclusive: true }, () => {
      const address = server.address();
      const got = typeof address === 'object' && address ? address.port : null;
      server.close(() => resolve(got));
    });
  });
}

/**
 * The preferred port if it is free on `host`, else any free port. `taken` holds ports already
 * handed out in this run: a fallback must not pick one of them before its owner binds it.
 */
export async function pickPort(
  preferred: number,
  taken: Set<number>,
  host = '127.0.0.1',
): Promise<PickedPort> {
  if (!taken.has(preferred) && (await tryBind(preferred, host)) !== null) {
    taken.add(preferred);
    return { port: preferred, preferred, fellBack: false };
  }
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await tryBind(0, host);
    if (port !== null && !taken.has(port)) {
      taken.add(port);
      return { port, preferred, fellBack: true };
    }
  }
  throw new Error(`no free port on ${host}`);
}

/** Reads a port from the environment; throws one line naming the variable when it is bad. */
export function portFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`${name} must be a port number (1-65535), not "${text}"`);
  }
  return port;
}
