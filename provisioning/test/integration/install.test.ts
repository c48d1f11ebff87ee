import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '@lounge/shared';
import { rawConfig } from '@lounge/edge-agent/test-support';
import { freePort } from '@lounge/test-helpers/ports';
import { runCli } from '../../src/cli.ts';
import type { Context } from '../../src/context.ts';
import type { Host } from '../../src/host.ts';
import { oneLine, provision, tempDir } from './cli-harness.ts';

const GOLDEN = join(import.meta.dirname, 'golden', 'install-dry-run.txt');
const SCANNERS = [
  { id: 'door', type: 'serial', path: '/dev/serial/by-id/usb-Honeywell_1900-if00' },
  { id: 'desk', type: 'hid-pos', vendorId: 0x0c2e, productId: 0x0b61 },
];

/** A host that answers from sets and records every change, in order. */
function fakeHost(opts: { root: boolean; users?: string[] }) {
  const changes: string[] = [];
  const host: Host = {
    isRoot: () => opts.root,
    userExists: (name) => (opts.users ?? []).includes(name),
    groupExists: (name) => ['dialout', 'plugdev'].includes(name),
    run: (argv) => void changes.push(argv.join(' ')),
    writeFile: (path, _content, mode) => void changes.push(`write ${path} ${mode.toString(8)}`),
  };
  return { host, changes };
}

/** A CLI context on a fake host; `lines` collects what the verb prints. */
function context(host: Host, lines: string[] = []): Context {
  return {
    fetch: () => Promise.reject(new Error('no network')),
    clock: new ManualClock(),
    env: {},
    hostname: 'box',
    scanners: () => Promise.reject(new Error('no drivers')),
    host,
    runtime: { node: '/usr/bin/node', edgeBin: '/opt/lounge/edge-agent/bin/lounge-edge.js' },
    out: (line) => void lines.push(line),
    err: (line) => void lines.push(line),
  };
}

describe('lounge-provision install', () => {
  const tmp = tempDir('provision-install-');
  afterAll(() => tmp.cleanup());
  const configFile = join(tmp.dir, 'config.json');
  writeFileSync(
    configFile,
    JSON.stringify({
      ...rawConfig(tmp.dir, 'https://cloud.example.com'),
      dataDir: '/var/lib/lounge-edge',
      scanners: SCANNERS,
    }),
  );

  it('--dry-run prints every change it would make, as the golden file says', async () => {
    const lines: string[] = [];
    const { host, changes } = fakeHost({ root: false });
    expect(
      await runCli(context(host, lines), ['install', '--config', configFile, '--dry-run']),
    ).toBe(0);
    expect(changes).toEqual([]);
    // The temp folder stands for /etc/lounge-edge, where `enroll` writes on a box.
    const text = lines.join('\n').replaceAll(tmp.dir, '/etc/lounge-edge') + '\n';
    if (process.env.UPDATE_GOLDEN) writeFileSync(GOLDEN, text);
    expect(text).toBe(readFileSync(GOLDEN, 'utf8'));
  });

  it('as root applies the same steps in order; an existing user only gains the groups', async () => {
    const { host, changes } = fakeHost({ root: true, users: ['lounge-edge'] });
    expect(await runCli(context(host), ['install', '--config', configFile])).toBe(0);
    expect(changes.map((c) => c.replaceAll(tmp.dir, '/etc/lounge-edge'))).toEqual([
      'usermod --append --groups dialout,plugdev lounge-edge',
      'install -d -o lounge-edge -g lounge-edge -m 0700 /var/lib/lounge-edge',
      'chown lounge-edge:lounge-edge /etc/lounge-edge/config.json /etc/lounge-edge/device-key.json',
      'chmod 0600 /etc/lounge-edge/config.json /etc/lounge-edge/device-key.json',
      'write /etc/udev/rules.d/99-lounge-edge.rules 644',
      'udevadm control --reload-rules',
      'udevadm trigger',
      'write /etc/systemd/system/lounge-edge.service 644',
      'systemctl daemon-reload',
      'systemctl enable lounge-edge.service',
      'systemctl restart lounge-edge.service',
    ]);
  });

  it('refuses to change the system without root, and a bad --user, in one line', async () => {
    // In-process with a fake host: CI runs as root, and a real install must never run here.
    const { host, changes } = fakeHost({ root: false });
    await expect(runCli(context(host), ['install', '--config', configFile])).rejects.toThrow(
      /run it as root, or add --dry-run/,
    );
    expect(changes).toEqual([]);
    const badUser = await provision(['install', '--config', configFile, '--user', 'Root!']);
    expect(badUser.code).toBe(2);
    expect(oneLine(badUser.stderr)).toMatch(/--user must be a user name/);
  });

  it("the unit's ExecStart line starts the agent for real; SIGTERM stops it within 5 s", async () => {
    const dir = tempDir('provision-execstart-');
    try {
      const port = await freePort();
      const raw = rawConfig(dir.dir, 'http://127.0.0.1:9');
      const file = join(dir.dir, 'config.json');
      writeFileSync(file, JSON.stringify({ ...raw, api: { ...raw.api, port } }));
      const dry = await provision(['install', '--config', file, '--dry-run']);
      expect(dry.code).toBe(0);
      const execStart = /^ExecStart=(.+)$/m.exec(dry.stdout)![1]!;
      expect(execStart).toBe(
        `${process.execPath} ${join(import.meta.dirname, '../../../edge-agent/bin/lounge-edge.js')} --config ${file}`,
      );
      // As systemd does: split on spaces, no shell, stdin empty.
      const [cmd, ...args] = execStart.split(' ');
      const child = spawn(cmd!, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr.on('data', (d: Buffer) => (output += d.toString()));
      const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
      try {
        for (let i = 0; !/lounge-edge started/.test(output); i++) {
          if (i > 600 || child.exitCode !== null) throw new Error(`did not start:\n${output}`);
          await new Promise((r) => setTimeout(r, 100));
        }
        const health = await fetch(`http://127.0.0.1:${port}/healthz`);
        expect(health.status).toBe(200);
        const sent = Date.now();
        child.kill('SIGTERM');
        expect(await exited).toBe(0);
        expect(Date.now() - sent).toBeLessThan(5_000);
        expect(output).toContain('lounge-edge stopped');
        await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
      } finally {
        child.kill('SIGKILL');
      }
    } finally {
      dir.cleanup();
    }
  });
});
