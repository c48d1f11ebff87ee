import { readFileSync } from 'node:fs';
import { verbHelp, type VerbSpec } from './args.ts';
import type { Context, VerbRun } from './context.ts';
import { CliError } from './errors.ts';

interface Verb {
  summary: string;
  /** Loaded on demand: `doctor` pulls in mqtt and SQLite, `udev-rules` needs neither. */
  load: () => Promise<{ spec: VerbSpec; run: VerbRun }>;
}

/** Every verb of SPEC.md section 7, plus `rotate-key`. */
export const VERBS: Record<string, Verb> = {
  enroll: {
    summary: 'generate the device key, enrol, write the config',
    load: async () => {
      const m = await import('./commands/enroll.ts');
      return { spec: m.spec, run: m.run };
    },
  },
  console: {
    summary: 'serve the desk console on a host and port',
    load: async () => {
      const m = await import('./commands/console.ts');
      return { spec: m.spec, run: m.run };
    },
  },
  'add-staff': {
    summary: 'let a staff member use the desk console (asks for a PIN)',
    load: async () => {
      const m = await import('./commands/staff.ts');
      return { spec: m.addSpec, run: m.runAdd };
    },
  },
  'remove-staff': {
    summary: 'stop a staff member using the desk console',
    load: async () => {
      const m = await import('./commands/staff.ts');
      return { spec: m.removeSpec, run: m.runRemove };
    },
  },
  scanners: {
    summary: 'list HID devices and serial ports',
    load: async () => {
      const m = await import('./commands/scanners.ts');
      return { spec: m.spec, run: m.run };
    },
  },
  'add-scanner': {
    summary: 'add or replace a scanner in the config',
    load: async () => {
      const m = await import('./commands/scanner-config.ts');
      return { spec: m.addSpec, run: m.runAdd };
    },
  },
  'remove-scanner': {
    summary: 'remove a scanner from the config',
    load: async () => {
      const m = await import('./commands/scanner-config.ts');
      return { spec: m.removeSpec, run: m.runRemove };
    },
  },
  'test-scan': {
    summary: 'wait for one scan and show its dry-run decision',
    load: async () => {
      const m = await import('./commands/test-scan.ts');
      return { spec: m.spec, run: m.run };
    },
  },
  doctor: {
    summary: 'check config, clock, cloud, MQTT, IBDP, scanners, disk, DB',
    load: async () => {
      const m = await import('./commands/doctor.ts');
      return { spec: m.spec, run: m.run };
    },
  },
  decommission: {
    summary: 'tell the cloud, then wipe the credentials',
    load: async () => {
      const m = await import('./commands/decommission.ts');
      return { spec: m.spec, run: m.run };
    },
  },
  'udev-rules': {
    summary: 'print udev rules for the configured scanners',
    load: async () => {
      const m = await import('./commands/udev-rules.ts');
      return { spec: m.spec, run: m.run };
    },
  },
  install: {
    summary: 'system user, data dir, udev rules and the systemd unit (as root)',
    load: async () => {
      const m = await import('./commands/install.ts');
      return { spec: m.spec, run: m.run };
    },
  },
  'rotate-key': {
    summary: 'replace the device key, registered with the old one',
    load: async () => {
      const m = await import('./commands/rotate-key.ts');
      return { spec: m.spec, run: m.run };
    },
  },
};

/** The help text: one line per verb. */
export function helpText(): string {
  const width = Math.max(...Object.keys(VERBS).map((v) => v.length));
  return [
    "lounge-provision: the field technician's CLI: enrol, configure and check a lounge edge box",
    '',
    'usage: lounge-provision <verb> [options]   (lounge-provision <verb> --help for its flags)',
    '       lounge-provision --version',
    '',
    'verbs:',
    ...Object.entries(VERBS).map(([name, v]) => `  ${name.padEnd(width)}  ${v.summary}`),
    '',
    'example:',
    '  lounge-provision enroll --cloud https://lounge.example.com --token let_…',
  ].join('\n');
}

/** The version `--version` prints (this package's). */
export function provisionVersion(): string {
  const url = new URL('../package.json', import.meta.url);
  return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
}

/** Dispatches argv (without node and the script) to a verb; returns the exit code. */
export async function runCli(ctx: Context, argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    ctx.out(helpText());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version') {
    ctx.out(`lounge-provision ${provisionVersion()}`);
    return 0;
  }
  const verb = VERBS[name];
  if (!verb) {
    throw new CliError(`Unknown verb "${name}"; run lounge-provision --help for the list.`, {
      code: 'USAGE',
      exitCode: 2,
    });
  }
  const { spec, run } = await verb.load();
  if (rest.includes('--help') || rest.includes('-h')) {
    ctx.out(verbHelp(name, verb.summary, spec));
    return 0;
  }
  if (rest.includes('--version')) {
    ctx.out(`lounge-provision ${provisionVersion()}`);
    return 0;
  }
  return run(ctx, rest);
}
