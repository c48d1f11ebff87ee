import { describe, expect, it } from 'vitest';
import { ManualClock } from '@lounge/shared';
import { VERBS, runCli } from './cli.ts';
import type { Context } from './context.ts';
import { CliError } from './errors.ts';

function fakeContext(): Context & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    fetch: () => Promise.reject(new Error('no network in unit tests')),
    clock: new ManualClock(),
    env: {},
    hostname: 'box',
    scanners: () => Promise.reject(new Error('no drivers')),
    out: (line) => lines.push(line),
    err: (line) => lines.push(line),
  };
}

describe('runCli', () => {
  it('lists every verb on --help and exits 2 without a verb', async () => {
    const ctx = fakeContext();
    expect(await runCli(ctx, ['--help'])).toBe(0);
    for (const verb of [
      'enroll',
      'scanners',
      'add-scanner',
      'remove-scanner',
      'test-scan',
      'doctor',
      'decommission',
      'udev-rules',
      'rotate-key',
    ]) {
      expect(ctx.lines[0]).toContain(`  ${verb} `);
    }
    expect(await runCli(fakeContext(), [])).toBe(2);
  });

  it('prints what a verb does, its flags and an example on <verb> --help', async () => {
    const ctx = fakeContext();
    expect(await runCli(ctx, ['remove-scanner', '--help'])).toBe(0);
    expect(ctx.lines[0]!.split('\n')).toEqual([
      'lounge-provision remove-scanner: remove a scanner from the config',
      '',
      'usage: lounge-provision remove-scanner --config C --id ID',
      '',
      'flags:',
      '  --config C  the edge config (default: $LOUNGE_EDGE_CONFIG, else /etc/lounge-edge/config.json)',
      '  --id ID     the scanner to remove (required)',
      '',
      'example:',
      '  lounge-provision remove-scanner --config /etc/lounge-edge/config.json --id gate1',
    ]);
  });

  it('gives every verb a help text naming each of its flags and an example', async () => {
    for (const [name, verb] of Object.entries(VERBS)) {
      const ctx = fakeContext();
      expect(await runCli(ctx, [name, '--help'])).toBe(0);
      const help = ctx.lines.join('\n');
      expect(help).toMatch(new RegExp(`^lounge-provision ${name}: \\S`));
      expect(help).toMatch(new RegExp(`\nexample:\n {2}.*lounge-provision ${name}`));
      const { spec } = await verb.load();
      for (const flag of Object.keys(spec.options)) expect(help).toContain(`  --${flag}`);
    }
  });

  it('prints its version on --version, also after a verb', async () => {
    for (const argv of [['--version'], ['doctor', '--version']]) {
      const ctx = fakeContext();
      expect(await runCli(ctx, argv)).toBe(0);
      expect(ctx.lines).toEqual(['lounge-provision 0.1.0']);
    }
  });

  it('refuses an unknown verb with exit code 2', async () => {
    await expect(runCli(fakeContext(), ['enrol'])).rejects.toMatchObject({
      constructor: CliError,
      exitCode: 2,
      message: 'Unknown verb "enrol"; run lounge-provision --help for the list.',
    });
  });

  it('refuses enroll without --cloud, naming the flag and the usage', async () => {
    await expect(runCli(fakeContext(), ['enroll', '--token', 't'])).rejects.toThrow(
      /^--cloud is required\. Usage: lounge-provision enroll --cloud URL/,
    );
  });
});
