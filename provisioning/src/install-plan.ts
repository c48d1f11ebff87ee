import type { ScannerConfig } from './edge-config.ts';
import type { Host } from './host.ts';
import { edgeUnit, UNIT_FILE, UNIT_NAME, type EdgeUnitOptions } from './systemd-unit.ts';
import { RULES_FILE, udevRules } from './udev.ts';

/** One change to the machine: a command (no shell) or a file written whole. */
export type Step =
  { kind: 'run'; argv: string[] } | { kind: 'write'; path: string; content: string; mode: number };

/** A titled group of steps, printed as a comment in the dry run. */
export interface Stage {
  title: string;
  steps: Step[];
}

export interface InstallInput extends EdgeUnitOptions {
  deviceKeyFile: string;
}

/** Groups that own scanner device nodes on Debian before our udev rules apply. */
export function groupsFor(scanners: readonly ScannerConfig[]): string[] {
  const groups = new Set<string>();
  for (const s of scanners) {
    if (s.type === 'serial') groups.add('dialout');
    if (s.type === 'hid-pos' || s.type === 'hid-keyboard') groups.add('plugdev');
  }
  return [...groups].sort();
}

const run = (...argv: string[]): Step => ({ kind: 'run', argv });

/**
 * Everything `install` does, in order, as data: the dry run prints it, the real run applies
 * it. Idempotent: an existing user only gains groups; files are rewritten whole.
 */
export function installPlan(input: InstallInput, host: Host): Stage[] {
  const { user, dataDir, configPath, deviceKeyFile } = input;
  const groups = groupsFor(input.scanners).filter((g) => host.groupExists(g));
  const account = host.userExists(user)
    ? groups.length > 0
      ? [run('usermod', '--append', '--groups', groups.join(','), user)]
      : []
    : [
        run(
          'useradd',
          '--system',
          '--user-group',
          '--home-dir',
          dataDir,
          '--no-create-home',
          '--shell',
          '/usr/sbin/nologin',
          ...(groups.length > 0 ? ['--groups', groups.join(',')] : []),
          user,
        ),
      ];
  const owner = `${user}:${user}`;
  return [
    {
      title: `system user ${user}${groups.length ? ` in ${groups.join(', ')}` : ''}`,
      steps: account,
    },
    {
      title: `data dir ${dataDir}, owned by ${user}, 0700; config and device key readable by it only`,
      steps: [
        run('install', '-d', '-o', user, '-g', user, '-m', '0700', dataDir),
        run('chown', owner, configPath, deviceKeyFile),
        run('chmod', '0600', configPath, deviceKeyFile),
      ],
    },
    {
      title: `udev rules: the scanners' device nodes to group ${user}`,
      steps: [
        { kind: 'write', path: RULES_FILE, content: udevRules(input.scanners, user), mode: 0o644 },
        run('udevadm', 'control', '--reload-rules'),
        run('udevadm', 'trigger'),
      ],
    },
    {
      title: `systemd unit ${UNIT_NAME}, enabled and (re)started`,
      steps: [
        { kind: 'write', path: UNIT_FILE, content: edgeUnit(input), mode: 0o644 },
        run('systemctl', 'daemon-reload'),
        run('systemctl', 'enable', UNIT_NAME),
        run('systemctl', 'restart', UNIT_NAME),
      ],
    },
  ];
}

/** The dry run: a shell script a technician can read (or run) line by line. */
export function formatPlan(stages: readonly Stage[]): string[] {
  const lines: string[] = [];
  for (const stage of stages) {
    lines.push(`# ${stage.title}`);
    if (stage.steps.length === 0) lines.push('#   (nothing to do)');
    for (const step of stage.steps) {
      if (step.kind === 'run') lines.push(step.argv.join(' '));
      else {
        lines.push(
          `install -m ${step.mode.toString(8).padStart(4, '0')} /dev/stdin ${step.path} <<'EOF'`,
        );
        lines.push(...step.content.trimEnd().split('\n'), 'EOF');
      }
    }
  }
  return lines;
}
