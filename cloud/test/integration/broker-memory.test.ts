import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect as tcp } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@lounge/test-helpers/ports';
import { spawnProcess, type SpawnedProcess } from '@lounge/test-helpers/process';

// Memory exhaustion: strangers streaming oversized CONNECTs at the embedded broker. The cloud
// runs as its own process so its memory is measured alone (VmRSS in /proc/PID/status).
const ROOT = resolve(import.meta.dirname, '../../..');
const ADMIN = 'broker-memory-admin-key';
const LOUNGE = 'MAD-T4S-VELAZQUEZ';
const MB = 1024 * 1024;
let dir: string;
let cloud: SpawnedProcess;
let base: string;
let mqttPort: number;

const rssMb = (pid: number): number => {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m![1]) / 1024;
};

const api = async <T = Record<string, unknown>>(
  method: string,
  path: string,
  body?: unknown,
  key = ADMIN,
) => {
  const res = await fetch(base + path, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as T };
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'broker-memory-'));
  const port = await freePort();
  mqttPort = await freePort();
  base = `http://127.0.0.1:${port}`;
  cloud = await spawnProcess(process.execPath, [join(ROOT, 'cloud/bin/lounge-cloud.js'), 'serve'], {
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: String(port),
      PUBLIC_URL: base,
      MQTT_PORT: String(mqttPort),
      DATABASE_URL: `sqlite:${join(dir, 'cloud.db')}`,
      INTEGRATIONS: 'stub',
      BOOTSTRAP_ADMIN_KEY: ADMIN,
      KEY_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'json',
    },
    cwd: dir,
    readyLine: /lounge-cloud listening/,
    timeoutMs: 60_000,
    killOnTestEnd: false,
  });
}, 90_000);

afterAll(async () => {
  await cloud?.kill();
  rmSync(dir, { recursive: true, force: true });
});

/** Enrols a box over HTTP and writes the config the agent reads. */
async function enrolBox(): Promise<string> {
  await api('PUT', `/v1/lounges/${LOUNGE}`, { airport: 'MAD', name: 'V', timezone: 'UTC' });
  const token = await api<{ token: string }>('POST', '/v1/enrollment-tokens', {
    loungeId: LOUNGE,
  });
  const { privateKey } = generateKeyPairSync('ed25519');
  const jwk = privateKey.export({ format: 'jwk' });
  const { d: _d, ...publicKey } = jwk;
  type Enrolled = {
    deviceId: string;
    issuer: string;
    mqtt: { url: string; username: string; password: string };
    ibdp: { url: string; token: string };
  };
  const res = await api<Enrolled>('POST', '/v1/devices/enroll', { publicKey }, token.json.token);
  expect(res.status).toBe(201);
  const box = mkdtempSync(join(dir, 'box-'));
  writeFileSync(join(box, 'device-key.json'), JSON.stringify(jwk), { mode: 0o600 });
  const config = {
    deviceId: res.json.deviceId,
    loungeId: LOUNGE,
    cloudUrl: base,
    issuer: res.json.issuer,
    deviceKeyFile: 'device-key.json',
    dataDir: 'state',
    mqtt: res.json.mqtt,
    ibdp: res.json.ibdp,
    api: { host: '127.0.0.1', port: 0, token: 'broker-memory-edge-token-0123456789' },
    scanners: [],
  };
  writeFileSync(join(box, 'config.json'), JSON.stringify(config), { mode: 0o600 });
  return join(box, 'config.json');
}

/**
 * One attacker connection: a CONNECT header declaring the largest length MQTT can express
 * (256 MB), then zeros until `budget` bytes are sent, the broker hangs up or `deadline`.
 * Returns the bytes the socket accepted.
 */
function streamConnect(budget: number, deadline: number): Promise<number> {
  return new Promise((done) => {
    const socket = tcp({ host: '127.0.0.1', port: mqttPort });
    const chunk = Buffer.alloc(64 * 1024);
    let sent = 0;
    const finish = () => {
      socket.destroy();
      done(sent);
    };
    const pump = () => {
      while (sent < budget && Date.now() < deadline) {
        sent += chunk.length;
        if (!socket.write(chunk)) return void socket.once('drain', pump);
      }
      finish();
    };
    socket.once('connect', () => {
      socket.write(Buffer.from([0x10, 0xff, 0xff, 0xff, 0x7f]));
      pump();
    });
    socket.once('error', finish);
    socket.once('close', finish);
  });
}

describe('oversized CONNECT flood against the embedded broker', () => {
  it('keeps the cloud within 50 MB of its baseline while a real edge connects and syncs', async () => {
    const config = await enrolBox();
    // Warm up the paths the test uses, then take the baseline.
    for (let i = 0; i < 5; i++) await api('GET', '/readyz');
    await new Promise((r) => setTimeout(r, 500));
    const baseline = rssMb(cloud.pid);
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMb(cloud.pid))), 50);

    // Four attackers, each reconnecting and streaming up to 64 MB, for at most 8 s.
    const deadline = Date.now() + 8_000;
    const attackers = Array.from({ length: 4 }, async () => {
      let bytes = 0;
      while (bytes < 64 * MB && Date.now() < deadline) {
        bytes += await streamConnect(64 * MB - bytes, deadline);
      }
      return bytes;
    });

    // Meanwhile the real agent starts, logs in and syncs a revocation.
    const edge = await spawnProcess(
      process.execPath,
      [join(ROOT, 'edge-agent/bin/lounge-edge.js'), '--config', config],
      {
        readyLine: /lounge-edge started/,
        timeoutMs: 30_000,
        env: { ...process.env, LOG_LEVEL: 'info' },
      },
    );
    try {
      const started = await edge.waitForLine(/lounge-edge started/);
      const edgeUrl = (JSON.parse(started) as { url: string }).url;
      type Health = { sync: { mqtt: string; revocationSeq: number } };
      const health = async () => (await (await fetch(`${edgeUrl}/healthz`)).json()) as Health;
      const until = async (check: (h: Health) => boolean) => {
        const end = Date.now() + 15_000;
        while (!check(await health())) {
          if (Date.now() > end)
            throw new Error(`edge not there: ${JSON.stringify(await health())}`);
          await new Promise((r) => setTimeout(r, 100));
        }
      };
      await until((h) => h.sync.mqtt === 'connected');
      const app = await api<{ key: string }>('POST', '/v1/api-keys', { role: 'app', name: 'm' });
      const issued = await api<{ id: string }>(
        'POST',
        '/v1/invitations',
        {
          customerId: 'IB0001',
          loungeId: LOUNGE,
          flight: { number: 'IB0612', date: new Date().toISOString().slice(0, 10) },
        },
        app.json.key,
      );
      expect(issued.status).toBe(201);
      await api('POST', `/v1/invitations/${issued.json.id}/revoke`, { reason: 'test' });
      await until((h) => h.sync.revocationSeq >= 1);
    } finally {
      await edge.kill();
    }
    const sent = await Promise.all(attackers);
    clearInterval(sampler);
    const total = sent.reduce((a, b) => a + b, 0);
    console.info(
      `broker-memory: baseline ${baseline.toFixed(0)} MB, peak ${peak.toFixed(0)} MB, ` +
        `attackers sent ${(total / MB).toFixed(0)} MB`,
    );
    expect(peak - baseline).toBeLessThan(50);
  }, 60_000);
});
