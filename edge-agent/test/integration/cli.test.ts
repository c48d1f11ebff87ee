import { spawn } from 'node:child_process';
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
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
    // Each signal once, as systemd sends it: a second SIGTERM means "exit now" (code 1).
    const sent = new Set<NodeJS.Signals>();
    const kill = (s: NodeJS.Signals) => {
      if (!sent.has(s)) child.kill(s);
      sent.add(s);
    };
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
      until?.(stdout, kill);
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

  it('answers --help and --version; an unknown flag or argument exits 2 and starts nothing', async () => {
    const file = write(
      'unused.json',
      rawConfig(tmp.dir, 'http://127.0.0.1:9', { dataDir: 'never' }),
    );
    const [help, version, flag, arg] = await Promise.all([
      runBin(['--help']),
      runBin(['--version']),
      runBin(['--config', file, '--verbose']),
      runBin(['--config', file, 'start']),
    ]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^lounge-edge: /);
    expect(help.stdout).toContain('--config FILE');
    expect(help.stdout).toContain('LOG_FORMAT');
    expect(help.stdout).toMatch(/example:\n {2}lounge-edge --config /);
    expect(version).toEqual({ code: 0, stdout: 'lounge-edge 0.1.0\n', stderr: '' });
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(
      /^lounge-edge: unknown flag --verbose; usage: lounge-edge --config FILE[^\n]*\n$/,
    );
    expect(arg.code).toBe(2);
    expect(arg.stderr).toMatch(/^lounge-edge: unknown argument start; /);
    expect(existsSync(join(tmp.dir, 'never'))).toBe(false);
  });

  it('names the line and column of a JSON syntax error, and says when a box was decommissioned', async () => {
    const broken = join(tmp.dir, 'broken.json');
    writeFileSync(broken, '{\n  "deviceId": "dev_x",\n  "api": {"port": 8081,}\n}\n');
    const base = rawConfig(tmp.dir, 'http://127.0.0.1:9');
    const wiped = write('wiped.json', {
      ...base,
      mqtt: { url: 'mqtt://127.0.0.1:1883', username: base.deviceId, password: '' },
      ibdp: { url: 'http://127.0.0.1:9/ibdp', token: '' },
      api: { ...base.api, token: '' },
      deviceKeyFile: 'deleted-key.json',
    });
    const twoBad = write('two-bad.json', { ...base, cloudUrl: 'ftp://x', clockSkewSeconds: -1 });
    const [syntax, gone, bad] = await Promise.all([
      runBin(['--config', broken]),
      runBin(['--config', wiped]),
      runBin(['--config', twoBad]),
    ]);
    expect(syntax).toMatchObject({
      code: 1,
      stderr: `config: ${broken} is not valid JSON: line 3, column 24: Expected double-quoted property name\n`,
    });
    expect(gone.code).toBe(1);
    expect(gone.stderr).toBe(
      `config: device ${base.deviceId} was decommissioned (its credentials in ${wiped} are wiped); enrol the box again with lounge-provision enroll\n`,
    );
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^config: cloudUrl: /),
      expect.stringMatching(/^config: clockSkewSeconds: /),
    ]);
  });

  it('logs one readable line per event with log.format pretty; the first says what it uses', async () => {
    const file = write(
      'pretty.json',
      rawConfig(tmp.dir, 'http://127.0.0.1:9', {
        log: { format: 'pretty' },
        mqtt: { url: 'mqtt://127.0.0.1:9', username: 'dev', password: 's3cret' },
        scanners: [{ id: 'desk', type: 'stdin' }],
      }),
    );
    const run = await runBin(['--config', file], {}, (stdout, kill) => {
      if (stdout.includes('lounge-edge started')) kill('SIGTERM');
    });
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toMatch(
      /^\d\d:\d\d:\d\d\.\d{3} INFO {2}lounge-edge starting version=0\.1\.0 deviceId=dev_\w+ loungeId=MAD-T4S-VELAZQUEZ config=\S+ listen=http:\/\/127\.0\.0\.1:0 database=\S+edge\.db cloud=http:\/\/127\.0\.0\.1:9 broker=mqtt:\/\/127\.0\.0\.1:9 ibdp=/,
    );
    expect(lines[0]).toContain('scanners=desk:stdin');
    expect(run.stdout).not.toContain('s3cret');
    expect(run.stdout).not.toContain('{"level"');
    expect(
      lines.some((l) => / INFO {2}lounge-edge started url=http:\/\/127\.0\.0\.1:\d+/.test(l)),
    ).toBe(true);
  });

  it('logs JSON with LOG_FORMAT=json whatever the config says', async () => {
    const file = write(
      'json.json',
      rawConfig(tmp.dir, 'http://127.0.0.1:9', { log: { format: 'pretty' } }),
    );
    const run = await runBin(['--config', file], { LOG_FORMAT: 'json' }, (stdout, kill) => {
      if (stdout.includes('lounge-edge started')) kill('SIGTERM');
    });
    expect(run.code).toBe(0);
    const first = JSON.parse(run.stdout.split('\n')[0]!) as Record<string, unknown>;
    expect(first).toMatchObject({ msg: 'lounge-edge starting', listen: 'http://127.0.0.1:0' });
  });
});
