import { join, resolve } from 'node:path';
import { freePort } from '@lounge/test-helpers/ports';
import { spawnProcess, type SpawnedProcess } from '@lounge/test-helpers/process';

const CLOUD_BIN = resolve(import.meta.dirname, '../../../cloud/bin/lounge-cloud.js');
export const LOUNGE = 'MAD-T4S-VELAZQUEZ';
const ADMIN_KEY = 'provisioning-test-admin-key-0123456789';

/** A real `lounge-cloud serve` (SQLite in `dir`, stub integrations, embedded broker). */
export interface CloudFixture {
  url: string;
  process: SpawnedProcess;
  /** An admin API call. */
  admin(method: string, path: string, body?: unknown): Promise<Response>;
  /** A fresh enrolment token for the test lounge. */
  enrollmentToken(ttlSeconds?: number): Promise<string>;
  stop(): Promise<void>;
}

export async function startCloud(dir: string): Promise<CloudFixture> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env = {
    ...process.env,
    HOST: '127.0.0.1',
    PORT: String(port),
    PUBLIC_URL: url,
    MQTT_PORT: String(await freePort()),
    DATABASE_URL: `sqlite:${join(dir, 'cloud.db')}`,
    INTEGRATIONS: 'stub',
    BOOTSTRAP_ADMIN_KEY: ADMIN_KEY,
    LOG_LEVEL: 'warn',
    KEY_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
  };
  const proc = await spawnProcess(process.execPath, [CLOUD_BIN, 'serve'], {
    env,
    cwd: dir,
    killOnTestEnd: false,
    timeoutMs: 60_000,
  });
  await waitForHealth(url, proc);
  const admin = (method: string, path: string, body?: unknown) =>
    fetch(new URL(path, url), {
      method,
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const lounge = await admin('PUT', `/v1/lounges/${LOUNGE}`, {
    airport: 'MAD',
    name: 'Sala VIP Velázquez',
    timezone: 'Europe/Madrid',
  });
  if (!lounge.ok) throw new Error(`lounge setup failed: ${lounge.status} ${await lounge.text()}`);
  return {
    url,
    process: proc,
    admin,
    async enrollmentToken(ttlSeconds = 600) {
      const res = await admin('POST', '/v1/enrollment-tokens', { loungeId: LOUNGE, ttlSeconds });
      if (res.status !== 201) throw new Error(`enrolment token: ${res.status} ${await res.text()}`);
      return ((await res.json()) as { token: string }).token;
    },
    async stop() {
      await proc.kill('SIGTERM');
    },
  };
}

async function waitForHealth(url: string, proc: SpawnedProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await proc.killHard();
      throw new Error(`the cloud did not start:\n${proc.stderrLines.slice(-10).join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
