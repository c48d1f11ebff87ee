import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { utcDate } from '@lounge/test-helpers/dates';
import { startCloud, type RunningCloud } from '../../src/cloud.ts';
import { loadConfig } from '../../src/config.ts';
import { signLink } from '../../src/security/index.ts';
import { createStore } from '../../src/store/index.ts';

// Secrets at rest: someone who can read the cloud's data folder (a backup, a shared host, a support
// bundle) must not get the link-signing or pseudonym secrets out of it.
const ADMIN = 'at-rest-admin-secret';
const LOUNGE = 'MAD-T4S-VELAZQUEZ';
const YEAR_2100 = 4_102_444_800;
const root = mkdtempSync(join(tmpdir(), 'cloud-at-rest-'));
const running: RunningCloud[] = [];
afterAll(async () => {
  for (const c of running) await c.stop();
  rmSync(root, { recursive: true, force: true });
});

async function start(dataDir: string) {
  const config = loadConfig({
    HOST: '127.0.0.1',
    PORT: '0',
    MQTT_PORT: '0',
    DATABASE_URL: `sqlite:${join(dataDir, 'cloud.db')}`,
    INTEGRATIONS: 'stub',
    BOOTSTRAP_ADMIN_KEY: ADMIN,
    KEY_ENCRYPTION_KEY: Buffer.alloc(32, 9).toString('base64'),
    RATE_LIMIT: '0',
  });
  const cloud = await startCloud(config, { log: pino({ level: 'silent' }) });
  running.push(cloud);
  const base = `http://127.0.0.1:${cloud.port}`;
  const api = async (method: string, path: string, body?: unknown) =>
    (await fetch(base + path, {
      method,
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then((r) => r.json())) as Record<string, unknown>;
  await api('PUT', `/v1/lounges/${LOUNGE}`, {
    airport: 'MAD',
    name: 'Velázquez',
    timezone: 'Europe/Madrid',
  });
  const inv = (await api('POST', '/v1/invitations', {
    customerId: 'IB0001',
    loungeId: LOUNGE,
    flight: { number: 'IB0612', date: utcDate(1) },
  })) as { id: string; qr: { png: string } };
  expect(inv.id).toMatch(/^inv_/);
  return { cloud, base, inv };
}

/** What a reader of the database file sees in the secrets table. */
function rawSecrets(dataDir: string): Record<string, string> {
  const db = new Database(join(dataDir, 'cloud.db'), { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare('SELECT name, value FROM secrets').all() as {
      name: string;
      value: string;
    }[];
    return Object.fromEntries(rows.map((r) => [r.name, r.value]));
  } finally {
    db.close();
  }
}

const mode = (path: string): string => (statSync(path).mode & 0o777).toString(8);

describe('secrets at rest', { timeout: 60_000 }, () => {
  it('keeps the data dir 0700 and cloud.db, -wal, -shm 0600', async () => {
    const dataDir = join(root, 'fresh', 'data');
    await start(dataDir);
    expect(mode(dataDir)).toBe('700');
    const files = readdirSync(dataDir).filter((f) => f.startsWith('cloud.db'));
    expect(files.sort()).toEqual(['cloud.db', 'cloud.db-shm', 'cloud.db-wal']);
    for (const f of files) expect([f, mode(join(dataDir, f))]).toEqual([f, '600']);
  });

  it('a link forged with the secret read from the database file is refused', async () => {
    const dataDir = join(root, 'forge', 'data');
    const { base, inv } = await start(dataDir);
    const secrets = rawSecrets(dataDir);
    expect(Object.keys(secrets)).toEqual(expect.arrayContaining(['link-hmac', 'subject-hmac']));
    const path = `/v1/invitations/${inv.id}/qr.png`;
    // The attack: take the stored value as the HMAC key and sign the image until 2100.
    const stolen = new Uint8Array(Buffer.from(secrets['link-hmac']!, 'base64url'));
    const { exp, sig } = signLink(path, YEAR_2100, stolen);
    const res = await fetch(`${base}${path}?exp=${exp}&sig=${sig}`);
    expect(res.status).toBe(403);
    expect(((await res.json()) as { code: string }).code).toBe('INVALID_LINK');
    // The links the cloud hands out still work.
    const real = await fetch(inv.qr.png.replace(/^http:\/\/localhost:\d+/, base));
    expect([real.status, real.headers.get('content-type')]).toEqual([200, 'image/png']);
  });

  it('seals the plaintext secrets and loosened files an older release left, keeping the secret', async () => {
    const dataDir = join(root, 'old', 'data');
    mkdirSync(dataDir, { recursive: true });
    // An older release: plaintext secrets, folder 0755, files 0644.
    const plain = Buffer.alloc(32, 5).toString('base64url');
    const old = await createStore(`sqlite:${join(dataDir, 'cloud.db')}`, {
      log: pino({ level: 'silent' }),
    });
    await old.migrate();
    await old.getOrCreateSecret('link-hmac', () => plain);
    await old.getOrCreateSecret('subject-hmac', () => plain);
    await old.close();
    chmodSync(dataDir, 0o755);
    for (const f of readdirSync(dataDir)) chmodSync(join(dataDir, f), 0o644);

    const { inv } = await start(dataDir);
    const secrets = rawSecrets(dataDir);
    expect(secrets['link-hmac']).toMatch(/^v1\./);
    expect(secrets['subject-hmac']).toMatch(/^v1\./);
    expect(JSON.stringify(secrets)).not.toContain(plain);
    // Same secret after sealing: the link the cloud signed now verifies with the old key.
    const url = new URL(inv.qr.png);
    const exp = Number(url.searchParams.get('exp'));
    expect(url.searchParams.get('sig')).toBe(signLink(url.pathname, exp, Buffer.alloc(32, 5)).sig);
    expect(mode(dataDir)).toBe('700');
    for (const f of readdirSync(dataDir)) expect([f, mode(join(dataDir, f))]).toEqual([f, '600']);
  });
});
