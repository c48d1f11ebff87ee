import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { utcDate } from '@lounge/test-helpers/dates';
import { cloudApi, poll, stopGracefully, type Json } from '@lounge/test-helpers/e2e-clients';
import { BIN, binEnv, tail } from '@lounge/test-helpers/e2e-stack';
import { freePort } from '@lounge/test-helpers/ports';
import { spawnProcess, type SpawnedProcess } from '@lounge/test-helpers/process';

// A leaked signing key retired, over real processes: `lounge-cloud serve` (SQLite, embedded
// broker, stub airline) and `lounge-edge` enrolled with `lounge-provision`. Retiring the key
// makes the live edge deny its codes within 2 s; the re-signed code grants.
const LOUNGE = 'MAD-T4S-VELAZQUEZ';
const dir = mkdtempSync(join(tmpdir(), 'lounge-retire-'));
let cloud: SpawnedProcess | undefined;
let edge: SpawnedProcess | undefined;
let cloudUrl: string;
const adminKey = 'retire-admin-key-0123456789abcdef';

beforeAll(async () => {
  const port = await freePort();
  cloudUrl = `http://127.0.0.1:${port}`;
  cloud = await spawnProcess(process.execPath, [BIN.cloud, 'serve'], {
    env: {
      ...binEnv(),
      HOST: '127.0.0.1',
      PORT: String(port),
      PUBLIC_URL: cloudUrl,
      MQTT_PORT: String(await freePort()),
      DATABASE_URL: `sqlite:${join(dir, 'cloud.db')}`,
      INTEGRATIONS: 'stub',
      BOOTSTRAP_ADMIN_KEY: adminKey,
      KEY_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
    },
    readyLine: /lounge-cloud listening/,
    timeoutMs: 60_000,
    killOnTestEnd: false,
  });
  await poll(async () => (await fetch(`${cloudUrl}/readyz`)).ok, 30_000, 'cloud /readyz');
});
afterAll(async () => {
  await stopGracefully(edge);
  await stopGracefully(cloud);
  rmSync(dir, { recursive: true, force: true });
});

/** Enrols a box with the real CLI and starts `lounge-edge` on it; its local API. */
async function startEdge(admin: ReturnType<typeof cloudApi>) {
  const { token } = await admin.expect(201, 'POST', '/v1/enrollment-tokens', { loungeId: LOUNGE });
  const config = join(dir, 'edge', 'config.json');
  const enrol = await spawnProcess(
    process.execPath,
    [
      ...[BIN.provision, 'enroll', '--cloud', cloudUrl, '--token', String(token)],
      ...['--config', config, '--data-dir', join(dir, 'edge', 'data'), '--api-port', '0'],
    ],
    { env: binEnv() },
  );
  expect(await enrol.exited, enrol.stderrLines.join('\n')).toBe(0);
  const apiToken = (JSON.parse(readFileSync(config, 'utf8')) as { api: { token: string } }).api
    .token;
  edge = await spawnProcess(process.execPath, [BIN.edge, '--config', config], {
    env: binEnv(),
    readyLine: /lounge-edge started/,
    timeoutMs: 60_000,
    killOnTestEnd: false,
  });
  const { url } = JSON.parse(await edge.waitForLine(/lounge-edge started/)) as { url: string };
  const call = async (path: string, body?: unknown) => {
    const res = await fetch(url + path, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${apiToken}`, 'content-type': 'application/json' },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    return (await res.json()) as Json;
  };
  await poll(
    async () => {
      const { sync } = (await call('/healthz')) as { sync: { mqtt: string; lastSyncAt: unknown } };
      return sync.mqtt === 'connected' && sync.lastSyncAt !== null;
    },
    30_000,
    'edge synced',
  );
  return {
    verify: async (code: string) => String((await call('/v1/verify', { code })).reason),
    scan: (code: string) => call('/v1/scan', { code }),
  };
}

describe('retiring a leaked signing key', () => {
  it('the old code is denied at the live edge within 2 s, the re-signed one grants', async () => {
    onTestFailed(() => console.error([tail('cloud', cloud), tail('edge', edge)].join('\n')));
    const admin = cloudApi(cloudUrl, adminKey);
    const lounge = { airport: 'MAD', name: 'Sala VIP Velázquez', timezone: 'Europe/Madrid' };
    await admin.expect(200, 'PUT', `/v1/lounges/${LOUNGE}`, lounge);
    const appKey = await admin.expect(201, 'POST', '/v1/api-keys', { role: 'app', name: 'app' });
    const app = cloudApi(cloudUrl, String(appKey.key));
    const box = await startEdge(admin);

    const inv = await app.expect(
      201,
      'POST',
      '/v1/invitations',
      { customerId: 'IB0801', loungeId: LOUNGE, flight: { number: 'IB0614', date: utcDate() } },
      { 'idempotency-key': randomUUID() },
    );
    const oldCode = String(inv.token);
    const { kid } = decodeProtectedHeader(oldCode);
    expect(await box.verify(oldCode)).toBe('OK');

    const retired = await admin.expect(200, 'POST', `/v1/signing-keys/${kid}/retire`, {
      reason: 'private key leaked',
    });
    const answeredAt = performance.now();
    expect(retired).toMatchObject({ kid, reissued: 1, staleDevices: [] });
    await poll(async () => (await box.verify(oldCode)) === 'UNKNOWN_KEY', 5_000, 'old code denied');
    const deniedAfterMs = Math.round(performance.now() - answeredAt);
    console.info(`retire answered -> old code UNKNOWN_KEY at the edge: ${deniedAfterMs} ms`);
    expect(deniedAfterMs).toBeLessThan(2_000);

    // The customer's invitation now holds a re-signed code: same claims, another key.
    const now = await app.expect(200, 'GET', `/v1/invitations/${String(inv.id)}`);
    const newCode = String(now.token);
    expect(decodeProtectedHeader(newCode).kid).not.toBe(kid);
    expect(decodeJwt(newCode)).toEqual(decodeJwt(oldCode));
    expect(await box.scan(newCode)).toMatchObject({ decision: 'grant', reason: 'OK' });
    expect(await box.scan(oldCode)).toMatchObject({ decision: 'deny', reason: 'UNKNOWN_KEY' });
  });
});
