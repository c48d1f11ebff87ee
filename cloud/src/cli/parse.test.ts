import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES } from '../config.ts';
import { UsageError } from './admin-commands.ts';
import { mainHelp, verbHelp } from './help.ts';
import { parseCommandLine } from './parse.ts';
import { VERBS } from './verbs.ts';

const usageError = (argv: string[]): UsageError => {
  try {
    parseCommandLine(argv);
  } catch (err) {
    if (err instanceof UsageError) return err;
    throw err;
  }
  throw new Error(`parsed: ${argv.join(' ')}`);
};

describe('lounge-cloud command line', () => {
  it('serves with no words; --version and --help win over serving', () => {
    expect(parseCommandLine([])).toMatchObject({ kind: 'run', verb: 'serve' });
    expect(parseCommandLine(['--version'])).toEqual({ kind: 'version' });
    expect(parseCommandLine(['--help'])).toEqual({ kind: 'help', verb: undefined });
    expect(parseCommandLine(['devices', 'list', '-h'])).toEqual({
      kind: 'help',
      verb: 'devices list',
    });
    expect(parseCommandLine(['lounges', 'list', '--version'])).toEqual({ kind: 'version' });
  });

  it('refuses an unknown verb or flag with exit code 2', () => {
    expect(usageError(['--port', '1']).message).toBe(
      'unknown flag --port for "serve"; see lounge-cloud serve --help',
    );
    expect(usageError(['frob']).message).toMatch(/^unknown command "frob"/);
    expect(usageError(['devices']).message).toBe(
      'unknown command "devices" without a verb; devices has: list, decommission',
    );
    expect(usageError(['devices', 'list', '--lounge']).message).toMatch(/^--lounge needs a value/);
    expect(usageError(['devices', 'decommission']).message).toMatch(/needs ID/);
    expect(usageError(['lounges', 'list', 'extra']).message).toMatch(/unexpected argument extra/);
    expect(usageError(['api-keys', 'create', '--name', 'x']).message).toMatch(/--role is required/);
    expect(usageError(['frob']).exitCode).toBe(2);
  });

  it('reads flags, switches, positionals and --json', () => {
    expect(
      parseCommandLine(['devices', 'list', '--lounge', 'MAD-T4S-VELAZQUEZ', '--stale', '--json']),
    ).toEqual({
      kind: 'run',
      verb: 'devices list',
      flags: { lounge: 'MAD-T4S-VELAZQUEZ', stale: 'true' },
      args: [],
      json: true,
    });
    expect(parseCommandLine(['devices', 'decommission', 'dev_1'])).toMatchObject({
      args: ['dev_1'],
    });
  });

  it('wants a unit on --ttl and at least 60 s, as the API does', () => {
    const ttl = (t: string) => ['enrollment-token', '--lounge', 'MAD-T4S-VELAZQUEZ', '--ttl', t];
    expect(usageError(ttl('2')).message).toMatch(/--ttl needs a number with a unit/);
    expect(usageError(ttl('59s')).message).toMatch(/at least 60s/);
    expect(usageError(ttl('31d')).message).toMatch(/at most 30d/);
    for (const ok of ['60s', '90s', '10m', '2h', '1d']) {
      expect(parseCommandLine(ttl(ok))).toMatchObject({ kind: 'run', flags: { ttl: ok } });
    }
  });

  it('checks values before anything opens: status, lounge, role', () => {
    expect(usageError(['invitations', 'list', '--status', 'gone']).message).toMatch(/--status/);
    expect(usageError(['devices', 'list', '--lounge', 'nowhere']).message).toMatch(/--lounge/);
    expect(usageError(['api-keys', 'create', '--role', 'root', '--name', 'x']).message).toBe(
      '--role must be app or admin',
    );
  });
});

describe('lounge-cloud --help', () => {
  it('lists every command and every environment variable', () => {
    const help = mainHelp();
    for (const verb of Object.keys(VERBS)) expect(help).toContain(`  ${verb} `);
    for (const name of CONFIG_VARIABLES) expect(help).toMatch(new RegExp(`\\b${name}\\b`));
  });

  it('gives each verb what it does, its flags and an example', () => {
    for (const verb of Object.keys(VERBS)) {
      const help = verbHelp(verb);
      expect(help).toMatch(new RegExp(`^lounge-cloud ${verb}: \\S`));
      expect(help).toContain(`usage: lounge-cloud ${verb}`);
      expect(help).toMatch(/\nexample:\n {2}.*lounge-cloud /);
      for (const flag of Object.keys(VERBS[verb]!.flags)) expect(help).toContain(`--${flag}`);
    }
  });
});
