import { execFile, execFileSync, spawn } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawConfig } from '@lounge/edge-agent/test-support';
import { freePort } from '@lounge/test-helpers/ports';

// SPEC.md section 2: "`npm ci --omit=dev` is enough to run the bins". What docs/field-guide.md
// tells a technician, in a temp copy of this checkout: build, `npm ci --omit=dev`, then run the
// three bins from node_modules/.bin, with no TypeScript loader installed. One `npm ci` (the
// native modules compile: a minute or two), so everything is checked on this one install.
const ROOT = resolve(import.meta.dirname, '../..');
// Build order: folder → package name.
const PACKAGES = {
  shared: 'shared',
  client: 'cloud-client',
  'edge-agent': 'edge-agent',
  cloud: 'cloud',
  provisioning: 'provisioning',
};
const run = promisify(execFile);
let box: string;

beforeAll(async () => {
  box = mkdtempSync(join(tmpdir(), 'lounge-prod-'));
  // The checkout as git would clone it, including files not committed yet.
  const files = execFileSync(
    'git',
    ['ls-files', '-z', '--cached', '--others', '--exclude-standard'],
    {
      cwd: ROOT,
      encoding: 'utf8',
    },
  )
    .split('\0')
    .filter((f) => f && existsSync(join(ROOT, f)));
  for (const f of files) {
    mkdirSync(dirname(join(box, f)), { recursive: true });
    cpSync(join(ROOT, f), join(box, f));
  }
  // `npm ci && npm run build`, without a second download: this checkout's dev tools, with the
  // @lounge/* links pointing into the copy so each package compiles against its neighbours' dist/.
  const modules = join(box, 'node_modules');
  mkdirSync(join(modules, '@lounge'), { recursive: true });
  for (const entry of readdirSync(join(ROOT, 'node_modules'))) {
    if (entry !== '@lounge') symlinkSync(join(ROOT, 'node_modules', entry), join(modules, entry));
  }
  for (const [dir, name] of Object.entries(PACKAGES)) {
    symlinkSync(join(box, dir), join(modules, '@lounge', name));
  }
  const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
  for (const p of Object.keys(PACKAGES)) {
    await run(process.execPath, [tsc, '-p', join(box, p, 'tsconfig.build.json')], { cwd: box });
  }
  rmSync(modules, { recursive: true });
  await run('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund'], {
    cwd: box,
    timeout: 600_000,
  });
}, 900_000);

afterAll(() => {
  if (box) rmSync(box, { recursive: true, force: true });
});

const bin = (name: string): string => join(box, 'node_modules/.bin', name);

/** Starts `cmd args` (no shell, as systemd would), waits for `ready`, SIGTERMs it. */
async function startAndStop(cmd: string, args: string[], ready: RegExp, env = {}) {
  const child = spawn(cmd, args, {
    cwd: box,
    env: { ...process.env, LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  try {
    for (let i = 0; !ready.test(output); i++) {
      if (i > 600 || child.exitCode !== null) throw new Error(`did not start:\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const sent = Date.now();
    child.kill('SIGTERM');
    const code = await exited;
    return { code, stopMs: Date.now() - sent, output };
  } finally {
    child.kill('SIGKILL');
  }
}

describe('production install (npm ci --omit=dev)', () => {
  it('installs no dev tool: no tsx, TypeScript, vitest, qrcode; kysely is gone', () => {
    for (const dev of ['tsx', 'typescript', 'vitest', 'qrcode', 'kysely', 'esbuild']) {
      expect(existsSync(join(box, 'node_modules', dev)), dev).toBe(false);
    }
  });

  it('lounge-provision answers --help and dry-runs install; its ExecStart starts the agent', async () => {
    const help = await run(bin('lounge-provision'), ['--help'], { cwd: box });
    expect(help.stdout).toMatch(/install/);
    const dir = mkdtempSync(join(tmpdir(), 'lounge-prod-edge-'));
    try {
      const port = await freePort();
      const raw = rawConfig(dir, 'http://127.0.0.1:9');
      const file = join(dir, 'config.json');
      writeFileSync(file, JSON.stringify({ ...raw, api: { ...raw.api, port } }));
      const dry = await run(bin('lounge-provision'), ['install', '--config', file, '--dry-run']);
      const execStart = /^ExecStart=(.+)$/m.exec(dry.stdout)![1]!;
      expect(execStart).toContain(`${box}/edge-agent/bin/lounge-edge.js`);
      const [cmd, ...args] = execStart.split(' ');
      const edge = await startAndStop(cmd!, args, /lounge-edge started/);
      expect(edge.code).toBe(0);
      expect(edge.stopMs).toBeLessThan(5_000);
      expect(edge.output).toContain('lounge-edge stopped');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('lounge-cloud serves and stops on SIGTERM; a bad variable is one line', async () => {
    const bad = await run(bin('lounge-cloud'), [], { env: { ...process.env, PORT: 'abc' } }).then(
      () => '',
      (err: { stderr: string }) => err.stderr,
    );
    expect(bad.trim().split('\n')).toHaveLength(1);
    expect(bad).toMatch(/^lounge-cloud: .*PORT/);
    const dir = mkdtempSync(join(tmpdir(), 'lounge-prod-cloud-'));
    try {
      const cloud = await startAndStop(process.execPath, [bin('lounge-cloud')], /listening/, {
        HOST: '127.0.0.1',
        PORT: String(await freePort()),
        MQTT_PORT: String(await freePort()),
        INTEGRATIONS: 'stub',
        DATABASE_URL: `sqlite:${join(dir, 'cloud.db')}`,
        KEY_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
      });
      expect(cloud.code).toBe(0);
      expect(cloud.stopMs).toBeLessThan(5_000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
