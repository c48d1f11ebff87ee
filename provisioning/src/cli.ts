import type { Context, VerbRun } from './context.ts';
import * as decommission from './commands/decommission.ts';
import * as doctor from './commands/doctor.ts';
import * as enroll from './commands/enroll.ts';
import * as rotateKey from './commands/rotate-key.ts';
import * as scannerConfig from './commands/scanner-config.ts';
import * as scanners from './commands/scanners.ts';
import * as testScan from './commands/test-scan.ts';
import * as udevRules from './commands/udev-rules.ts';
import { CliError } from './errors.ts';

interface Verb {
  usage: string;
  summary: string;
  run: VerbRun;
}

/** Every verb of SPEC.md section 7, plus `rotate-key`. */
export const VERBS: Record<string, Verb> = {
  enroll: {
    usage: enroll.spec.usage,
    summary: 'generate the device key, enrol, write the config',
    run: enroll.run,
  },
  scanners: {
    usage: scanners.spec.usage,
    summary: 'list HID devices and serial ports',
    run: scanners.run,
  },
  'add-scanner': {
    usage: scannerConfig.addSpec.usage,
    summary: 'add or replace a scanner in the config',
    run: scannerConfig.runAdd,
  },
  'remove-scanner': {
    usage: scannerConfig.removeSpec.usage,
    summary: 'remove a scanner from the config',
    run: scannerConfig.runRemove,
  },
  'test-scan': {
    usage: testScan.spec.usage,
    summary: 'wait for one scan and show its dry-run decision',
    run: testScan.run,
  },
  doctor: {
    usage: doctor.spec.usage,
    summary: 'check config, clock, cloud, MQTT, IBDP, scanners, disk, DB',
    run: doctor.run,
  },
  decommission: {
    usage: decommission.spec.usage,
    summary: 'tell the cloud, then wipe the credentials',
    run: decommission.run,
  },
  'udev-rules': {
    usage: udevRules.spec.usage,
    summary: 'print udev rules for the configured scanners',
    run: udevRules.run,
  },
  'rotate-key': {
    usage: rotateKey.spec.usage,
    summary: 'replace the device key, registered with the old one',
    run: rotateKey.run,
  },
};

/** The help text: one line per verb. */
export function helpText(): string {
  const width = Math.max(...Object.keys(VERBS).map((v) => v.length));
  return [
    'usage: lounge-provision <verb> [options]   (lounge-provision <verb> --help for its flags)',
    '',
    ...Object.entries(VERBS).map(([name, v]) => `  ${name.padEnd(width)}  ${v.summary}`),
  ].join('\n');
}

/** Dispatches argv (without node and the script) to a verb; returns the exit code. */
export async function runCli(ctx: Context, argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    ctx.out(helpText());
    return name === undefined ? 2 : 0;
  }
  const verb = VERBS[name];
  if (!verb) {
    throw new CliError(`Unknown verb "${name}"; run lounge-provision --help for the list.`, {
      code: 'USAGE',
      exitCode: 2,
    });
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    ctx.out(`usage: ${verb.usage}`);
    return 0;
  }
  return verb.run(ctx, rest);
}
