import { spawn } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { API_TOKEN, rawConfig, tempDir } from './fixtures.ts';

const BIN = fileURLToPath(new URL('../../bin/lounge-edge.js', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real `lounge-edge` bin; `until` lets the test act on stdout (e.g. send SIGTERM). */
function runBin(
  args: string[],
  env: Record<string, string> = {},
  until?: (stdout: string, kill: (s: NodeJS.Signals) => void) => void,
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, LOUNGE_EDGE_CONFIG: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 25_000);
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
      until?.(stdout, (s) => child.kill(s));
    });
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('lounge-edge bin', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());
  const write = (name: string, value: unknown): string => {
    const file = join(tmp.dir, name);
    writeFileSync(file, JSON.stringify(value));
    return file;
  };

  it('refuses bad config with one line naming the field, exit 1, no stack trace', async () => {
    const base = rawConfig(tmp.dir, 'http://127.0.0.1:9');
    const badPort = write('bad-port.json', { ...base, api: { ...base.api, port: 'abc' } });
    const noKey = write('no-key.json', { ...base, deviceKeyFile: 'missing-key.json' });
    const [port, key, none, env] = await Promise.all([
      runBin(['--config', badPort]),
      runBin(['--config', noKey]),
      runBin([]),
      runBin([], { LOUNGE_EDGE_CONFIG: join(tmp.dir, 'nowhere.json') }),
    ]);
    expect(port).toMatchObject({
      code: 1,
      stderr: 'config: api.port: expected a number, got "abc"\n',
    });
    expect(key.code).toBe(1);
    expect(key.stderr).toBe(
      `config: deviceKeyFile: ${join(tmp.dir, 'missing-key.json')} does not exist\n`,
    );
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/^lounge-edge: no config file\. usage: lounge-edge --config FILE/);
    expect(env.code).toBe(1);
    expect(env.stderr).toBe(`config: cannot read ${join(tmp.dir, 'nowhere.json')}: no such file\n`);
    for (const r of [port, key, none, env]) {
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).not.toMatch(/\bat .*\.ts:\d+/);
    }
  });

  it('starts with a cloud it cannot reach, serves health, and stops cleanly on SIGTERM', async () => {
    const file = write('good.json', rawConfig(tmp.dir, 'http://127.0.0.1:9'));
    chmodSync(join(tmp.dir, 'device-key.json'), 0o644);
    let health: unknown;
    const run = await runBin(['--config', file], {}, (stdout, kill) => {
      const started = /"url":"(http:\/\/[^"]+)".*"msg":"lounge-edge started"/.exec(stdout);
      if (!started || health) return;
      health = 'pending';
      fetch(`${started[1]}/healthz`)
        .then(async (r) => (health = await r.json()))
        .finally(() => kill('SIGTERM'));
    });
    expect(run.code).toBe(0);
    expect(health).toMatchObject({ status: 'ok', sync: { mqtt: 'disconnected' } });
    const lines = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { msg: string });
    expect(lines.map((l) => l.msg)).toContain('lounge-edge stopped');
    expect(run.stdout).toContain('readable by group or others');
    expect(run.stdout).not.toContain(API_TOKEN);
  });
});
