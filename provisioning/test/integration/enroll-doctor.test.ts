import { copyFileSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createDeviceAssertion, systemClock, type Ed25519PrivateJwk } from '@lounge/shared';
import { pino } from 'pino';
import { connectAsync } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@lounge/test-helpers/ports';
import { spawnProcess } from '@lounge/test-helpers/process';
import { oneLine, provision, tempDir } from './cli-harness.ts';
import { hashEnrollmentToken, newEnrollmentToken } from '@lounge/cloud/security';
import { createStore } from '@lounge/cloud/store';
import { LOUNGE, startCloud, type CloudFixture } from './cloud-fixture.ts';

const EDGE_BIN = resolve(import.meta.dirname, '../../../edge-agent/bin/lounge-edge.js');

// The real CLI against a real cloud process: enrolment, doctor, test-scan, rotate-key,
// decommission, then doctor with the cloud stopped.
const { dir, cleanup } = tempDir();
let cloud: CloudFixture;
beforeAll(async () => {
  cloud = await startCloud(dir);
}, 90_000);
afterAll(async () => {
  await cloud?.stop();
  cleanup();
});

type Config = {
  deviceId: string;
  issuer: string;
  deviceKeyFile: string;
  mqtt: { url: string; username: string; password: string };
  ibdp: { token: string };
  api: { token: string };
};
const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;
const mode = (path: string): number => statSync(path).mode & 0o777;

async function enroll(
  name: string,
  extra: string[] = [],
): Promise<{ config: string; box: string }> {
  const box = join(dir, name);
  const config = join(box, 'config.json');
  const token = await cloud.enrollmentToken();
  const r = await provision([
    'enroll',
    '--cloud',
    cloud.url,
    '--token',
    token,
    '--config',
    config,
    '--data-dir',
    join(box, 'data'),
    ...extra,
  ]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return { config, box };
}

/** Logs in to the cloud's broker with the device's credentials: 'ok' or why it was refused. */
async function mqttLogin(c: Config): Promise<string> {
  try {
    const client = await connectAsync(c.mqtt.url, {
      username: c.mqtt.username,
      password: c.mqtt.password,
      clientId: c.deviceId, // the broker takes a device's login only under its own id
      protocolVersion: 4, // the embedded broker (aedes) speaks MQTT 3.1.1
      reconnectPeriod: 0,
      connectTimeout: 5000,
    });
    await client.endAsync();
    return 'ok';
  } catch (err) {
    return (err as Error).message;
  }
}

/** `GET /v1/revocations` signed with a given key: what the agent's sync does. */
async function assertionStatus(
  c: Config,
  keyFile: string,
): Promise<{ status: number; code?: string }> {
  const token = await createDeviceAssertion({
    deviceId: c.deviceId,
    privateKey: readJson<Ed25519PrivateJwk>(keyFile),
    audience: c.issuer,
    nowMs: Date.now(),
  });
  const res = await fetch(`${cloud.url}/v1/revocations?after=0&limit=1`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const body = (await res.json()) as { code?: string };
  return { status: res.status, code: body.code };
}

/** An enrolment token for LOUNGE that expired a minute ago, stored in the cloud's database. */
async function expiredEnrollmentToken(dbFile: string): Promise<string> {
  const store = await createStore(`sqlite:${dbFile}`, {
    log: pino({ level: 'silent' }),
    clock: systemClock,
  });
  try {
    const { id, secret } = newEnrollmentToken();
    const now = Date.now();
    await store.insertEnrollmentToken({
      id,
      hash: hashEnrollmentToken(secret),
      loungeId: LOUNGE,
      expiresAt: now - 60_000,
      usedAt: null,
      usedByDevice: null,
      createdAt: now - 120_000,
    });
    return secret;
  } finally {
    await store.close();
  }
}

// Each verb is a child process (tsx start-up included); a test runs several of them.
describe('lounge-provision against a real cloud', { timeout: 120_000 }, () => {
  it('enrols: 0600 key and config, no token stored; a reused token fails in one line', async () => {
    const box = join(dir, 'box1');
    const config = join(box, 'config.json');
    const token = await cloud.enrollmentToken();
    const r = await provision([
      'enroll',
      '--cloud',
      cloud.url,
      '--token',
      token,
      '--config',
      config,
      '--data-dir',
      join(box, 'data'),
      '--api-port',
      '0x1f91',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout.trimEnd().split('\n').at(-1)).toMatch(
      new RegExp(`^enrolled device dev_[0-9A-Z]{26} in lounge ${LOUNGE}$`),
    );
    expect(readdirSync(box).sort()).toEqual(['config.json', 'device-key.json']);
    expect(mode(config)).toBe(0o600);
    expect(mode(join(box, 'device-key.json'))).toBe(0o600);
    const written = readFileSync(config, 'utf8');
    expect(written).not.toContain(token);
    const c = readJson<Config & { api: { port: number }; scanners: unknown[] }>(config);
    expect(c).toMatchObject({
      loungeId: LOUNGE,
      issuer: cloud.url,
      scanners: [],
      api: { port: 8081 },
    });
    expect(c.api.token.length).toBeGreaterThanOrEqual(32);
    expect(await assertionStatus(c, c.deviceKeyFile)).toEqual({ status: 200, code: undefined });

    const again = await provision([
      'enroll',
      '--cloud',
      cloud.url,
      '--token',
      token,
      '--config',
      join(dir, 'box1b', 'config.json'),
    ]);
    expect(again.code).toBe(1);
    expect(oneLine(again.stderr)).toBe(
      'lounge-provision: The enrolment token has already been used; ask the cloud operator for a new one.',
    );
    expect(existsSync(join(dir, 'box1b')) ? readdirSync(join(dir, 'box1b')) : []).toEqual([]);

    const over = await provision([
      'enroll',
      '--cloud',
      cloud.url,
      '--token',
      await cloud.enrollmentToken(),
      '--config',
      config,
    ]);
    expect(over.code).toBe(1);
    expect(oneLine(over.stderr)).toMatch(/already holds enrolled device dev_.*pass --force/);
  });

  it('refuses an expired token and an unreachable cloud in one line each', async () => {
    // The CLI and the API refuse a lifetime under 60 s, so write an expired token directly.
    const token = await expiredEnrollmentToken(join(dir, 'cloud.db'));
    const r = await provision([
      'enroll',
      '--cloud',
      cloud.url,
      '--token',
      token,
      '--config',
      join(dir, 'box2', 'config.json'),
    ]);
    expect(r.code).toBe(1);
    expect(oneLine(r.stderr)).toBe(
      'lounge-provision: The enrolment token is invalid or has expired; ask the cloud operator for a new one.',
    );
    expect(readdirSync(join(dir, 'box2'))).toEqual([]);

    const closed = await freePort();
    const down = await provision([
      'enroll',
      '--cloud',
      `http://127.0.0.1:${closed}`,
      '--token',
      token,
      '--config',
      join(dir, 'box2', 'config.json'),
    ]);
    expect(down.code).toBe(1);
    expect(oneLine(down.stderr)).toBe(
      `lounge-provision: Cannot reach the cloud at http://127.0.0.1:${closed} (ECONNREFUSED).`,
    );
  });

  it('doctor passes with everything up, fails on a missing scanner with a hint', async () => {
    const apiPort = await freePort();
    const { config } = await enroll('box3', ['--api-port', String(apiPort)]);
    // doctor reads the broker link from the running agent; it never logs in as the box.
    const agent = await spawnProcess(process.execPath, [EDGE_BIN, '--config', config], {
      readyLine: /lounge-edge started/,
      timeoutMs: 30_000,
      env: { ...process.env, LOG_LEVEL: 'info' },
    });
    const health = async () =>
      (
        (await (await fetch(`http://127.0.0.1:${apiPort}/healthz`)).json()) as {
          sync: { mqtt: string };
        }
      ).sync.mqtt;
    for (let i = 0; (await health()) !== 'connected'; i++) {
      if (i > 100) throw new Error('the agent did not connect to the broker');
      await new Promise((r) => setTimeout(r, 100));
    }
    const ok = await provision(['doctor', '--config', config, '--json']);
    expect(await health()).toBe('connected');
    await agent.kill();
    const report = JSON.parse(ok.stdout) as {
      ok: boolean;
      checks: { name: string; ok: boolean; hint?: string }[];
    };
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    expect(report.checks.map((c) => c.name)).toEqual([
      'config',
      'cloud',
      'clock',
      'credentials',
      'mqtt',
      'ibdp',
      'uploads',
      'scanners',
      'disk',
      'database',
    ]);
    expect(ok.code).toBe(0);

    const tty = join(dir, 'ttyNOPE0');
    expect(
      (
        await provision([
          'add-scanner',
          '--config',
          config,
          '--id',
          'gate1',
          '--type',
          'serial',
          '--path',
          tty,
        ])
      ).code,
    ).toBe(0);
    const bad = await provision(['doctor', '--config', config]);
    expect(bad.code).toBe(1);
    const lines = bad.stdout.split('\n');
    const at = lines.indexOf(`✖ scanner gate1: serial ${tty} is missing`);
    expect(at).toBeGreaterThan(0);
    expect(lines[at + 1]).toMatch(/^ {2}→ plug the scanner in/);
    // The agent is stopped by now: the broker link is unknown, the rest passes.
    expect(lines.filter((l) => l.startsWith('✖'))).toEqual([
      expect.stringMatching(
        /^✖ mqtt: the agent does not answer on http:\/\/127\.0\.0\.1:\d+\/healthz/,
      ),
      `✖ scanner gate1: serial ${tty} is missing`,
    ]);
  });

  it('test-scan reads one code from the configured scanner and shows its dry-run decision', async () => {
    const { config } = await enroll('box4');
    const app = await cloud.admin('POST', '/v1/api-keys', {
      role: 'app',
      name: 'provisioning-test',
    });
    const { key } = (await app.json()) as { key: string };
    const today = new Date().toISOString().slice(0, 10);
    const issued = await fetch(`${cloud.url}/v1/invitations`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${key}`,
        'content-type': 'application/json',
        'idempotency-key': 'provision-test-1',
      },
      body: JSON.stringify({
        customerId: 'IB0001',
        loungeId: LOUNGE,
        flight: { number: 'IB0610', date: today },
        guests: 1,
      }),
    });
    expect(issued.status).toBe(201);
    const invitation = (await issued.json()) as { id: string; token: string };
    expect(
      (await provision(['add-scanner', '--config', config, '--id', 'desk', '--type', 'stdin']))
        .code,
    ).toBe(0);

    const r = await provision(['test-scan', '--config', config, '--timeout', '20'], {
      input: `${invitation.token}\r\n`,
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      `scanned: ${invitation.token.slice(0, 48)}… (${invitation.token.length} chars)`,
    );
    expect(r.stdout).toContain(
      `decision (dry run): grant, admit 2, entries left 0 for ${invitation.id} [offline check`,
    );

    const none = await provision(['test-scan', '--config', config, '--timeout', '1'], {
      input: '',
    });
    expect(none.code).toBe(1);
    expect(oneLine(none.stderr)).toBe('lounge-provision: The input of desk ended without a scan.');
  });

  it('rotate-key: the new key is accepted, the old one refused', async () => {
    const { config, box } = await enroll('box5');
    const c = readJson<Config>(config);
    const old = join(box, 'old-key.json');
    copyFileSync(c.deviceKeyFile, old);
    const r = await provision(['rotate-key', '--config', config]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`rotated the key of device ${c.deviceId}`);
    expect(mode(c.deviceKeyFile)).toBe(0o600);
    expect(readFileSync(c.deviceKeyFile, 'utf8')).not.toBe(readFileSync(old, 'utf8'));
    expect((await assertionStatus(c, c.deviceKeyFile)).status).toBe(200);
    expect((await assertionStatus(c, old)).status).toBe(401);
  });

  it('decommission: the cloud and the broker refuse the device afterwards and its secrets are gone', async () => {
    const { config, box } = await enroll('box6');
    const c = readJson<Config>(config);
    expect(await mqttLogin(c)).toBe('ok');
    const kept = join(box, 'kept-key.json');
    copyFileSync(c.deviceKeyFile, kept);
    const r = await provision(['decommission', '--config', config]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`the cloud decommissioned device ${c.deviceId}`);
    expect(existsSync(c.deviceKeyFile)).toBe(false);
    const after = readJson<Config>(config);
    expect([after.mqtt.password, after.ibdp.token, after.api.token]).toEqual(['', '', '']);
    expect(mode(config)).toBe(0o600);
    expect(await assertionStatus(c, kept)).toEqual({ status: 401, code: 'DEVICE_DECOMMISSIONED' });
    // The password the box had is no longer good at the broker either.
    expect(await mqttLogin(c)).toMatch(/not authorized|bad user ?name or password/i);
  });

  it('doctor fails when the cloud is stopped, with a hint', async () => {
    const config = join(dir, 'box3', 'config.json');
    await cloud.stop();
    const r = await provision(['doctor', '--config', config]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /^✖ cloud: Cannot reach the cloud at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)$/m,
    );
    expect(r.stdout).toMatch(/^ {2}→ check the network/m);
    expect(r.stdout).toMatch(/^✖ clock: cannot compare/m);
    expect(r.stdout).toMatch(/^✖ mqtt: /m);
  });
});
