// A real cloud (startCloud) in this process: SQLite in a temp dir, embedded broker on port 0
// (or MQTT_URL), stub integrations, no rate limit. Logs go to /dev/null, still serialised.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { loadConfig, startCloud, type RunningCloud } from '@lounge/cloud';

export const ADMIN_KEY = 'bench-admin-key-0123456789abcdef';
export const LOUNGE_ID = 'MAD-T4S-VELAZQUEZ';

export interface BenchCloud {
  cloud: RunningCloud;
  url: string;
  dbFile: string;
  /** An admin-authenticated JSON call. */
  api(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<Response>;
  stop(): Promise<void>;
}

/** Starts the cloud; `env` overrides (MQTT_URL, …). */
export async function startBenchCloud(env: Record<string, string> = {}): Promise<BenchCloud> {
  const dir = mkdtempSync(join(tmpdir(), 'lounge-bench-cloud-'));
  const dbFile = join(dir, 'cloud.db');
  const config = loadConfig({
    HOST: '127.0.0.1',
    PORT: '0',
    MQTT_PORT: '0',
    DATABASE_URL: `sqlite:${dbFile}`,
    INTEGRATIONS: 'stub',
    RATE_LIMIT: '0',
    BOOTSTRAP_ADMIN_KEY: ADMIN_KEY,
    LOG_LEVEL: 'info',
    ...env,
  });
  const log = pino(
    { base: { service: 'lounge-cloud' } },
    pino.destination({ dest: '/dev/null', sync: false }),
  );
  const cloud = await startCloud(config, { log });
  const url = `http://127.0.0.1:${cloud.port}`;
  const api: BenchCloud['api'] = (method, path, body, headers = {}) =>
    fetch(url + path, {
      method,
      headers: {
        authorization: `Bearer ${ADMIN_KEY}`,
        'content-type': 'application/json',
        ...headers,
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
  const res = await api('PUT', `/v1/lounges/${LOUNGE_ID}`, {
    airport: 'MAD',
    name: 'Velazquez',
    timezone: 'Europe/Madrid',
  });
  if (!res.ok) throw new Error(`PUT lounge answered ${res.status}: ${await res.text()}`);
  return {
    cloud,
    url,
    dbFile,
    api,
    async stop() {
      await cloud.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
