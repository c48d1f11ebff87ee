import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { API_TOKEN, rawConfig } from '@lounge/edge-agent/test-support';
import { freePort } from '@lounge/test-helpers/ports';

// `npx lounge-edge` runs npm exec → sh -c → node. SIGTERM to npm (what a supervisor that knows
// only the pid it started sends) used to reach only the shell: the agent ran on, orphaned,
// holding its port. Both processes must now stop within 5 s, database closed, nothing lost.
const ROOT = resolve(import.meta.dirname, '../..');
const STOP_MS = 5_000;

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

/** Runs `npx --no-install BIN args` from the checkout in its own process group. */
function npx(bin: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn('npx', ['--no-install', bin, ...args], {
    cwd: ROOT,
    env: { ...process.env, LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  // The whole group, orphans included, goes when the test ends.
  cleanups.push(() => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const waitFor = async (re: RegExp, ms: number): Promise<RegExpExecArray> => {
    const until = Date.now() + ms;
    for (;;) {
      const m = re.exec(output);
      if (m) return m;
      if (Date.now() > until) throw new Error(`no ${re} after ${ms} ms:\n${output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  return { child, waitFor, output: () => output };
}

/** Resolves how long it took until nothing listens on `port` any more. */
async function portFreedWithin(port: number, ms: number): Promise<number> {
  const start = Date.now();
  while (Date.now() - start < ms) {
    const listening = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      () => true,
      () => false,
    );
    if (!listening) return Date.now() - start;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`port ${port} still answers after ${ms} ms`);
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lounge-sigterm-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('SIGTERM to npx', () => {
  it('stops the edge agent within 5 s: port freed, database closed, the decision kept', async () => {
    const dir = tempDir();
    const port = await freePort();
    const file = join(dir, 'edge.json');
    const config = rawConfig(dir, 'http://127.0.0.1:9');
    writeFileSync(file, JSON.stringify({ ...config, api: { ...config.api, port } }));
    const edge = npx('lounge-edge', ['--config', file]);
    await edge.waitFor(/lounge-edge started/, 60_000);
    const scan = await fetch(`http://127.0.0.1:${port}/v1/scan`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ code: 'not-a-token' }),
    });
    expect(scan.status).toBe(200);

    process.kill(edge.child.pid!, 'SIGTERM'); // npm only, as `kill <pid>` would
    expect(await portFreedWithin(port, STOP_MS)).toBeLessThan(STOP_MS);
    await edge.waitFor(/lounge-edge stopped/, 1_000);
    // A cleanly closed SQLite database has checkpointed and removed its WAL.
    expect(existsSync(join(dir, 'state', 'edge.db-wal'))).toBe(false);
    const db = new Database(join(dir, 'state', 'edge.db'), { readonly: true });
    const row = db.prepare('SELECT count(*) AS n FROM access_log').get() as { n: number };
    db.close();
    expect(row.n).toBe(1);
  });

  it('stops the cloud within 5 s: port freed, database closed', async () => {
    const dir = tempDir();
    const [port, mqttPort] = [await freePort(), await freePort()];
    const cloud = npx('lounge-cloud', [], {
      PORT: String(port),
      HOST: '127.0.0.1',
      MQTT_PORT: String(mqttPort),
      INTEGRATIONS: 'stub',
      DATABASE_URL: `sqlite:${join(dir, 'cloud.db')}`,
      KEY_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
    });
    await cloud.waitFor(/lounge-cloud listening/, 60_000);

    process.kill(cloud.child.pid!, 'SIGTERM');
    expect(await portFreedWithin(port, STOP_MS)).toBeLessThan(STOP_MS);
    await cloud.waitFor(/stopping/, 1_000);
    await new Promise((r) => setTimeout(r, 500)); // the process exits just after its port closes
    expect(existsSync(join(dir, 'cloud.db-wal'))).toBe(false);
  });
});
