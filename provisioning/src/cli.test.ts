import { describe, expect, it } from 'vitest';
import { ManualClock } from '@lounge/shared';
import { runCli } from './cli.ts';
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

  it('prints a verb usage on <verb> --help', async () => {
    const ctx = fakeContext();
    expect(await runCli(ctx, ['remove-scanner', '--help'])).toBe(0);
    expect(ctx.lines).toEqual(['usage: lounge-provision remove-scanner --config C --id ID']);
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
