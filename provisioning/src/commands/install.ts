import { realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { CONFIG_OPTION, optionalString, parseVerbArgs, type VerbSpec } from '../args.ts';
import { configPathFrom, readJsonFile } from '../config-file.ts';
import type { Context, Runtime } from '../context.ts';
import { validateConfig } from '../edge-config.ts';
import { CliError, UsageError } from '../errors.ts';
import { systemHost, type Host } from '../host.ts';
import { formatPlan, installPlan, type Step } from '../install-plan.ts';
import { step } from '../output.ts';
import { DEFAULT_GROUP } from '../udev.ts';

export const spec: VerbSpec = {
  usage: 'lounge-provision install --config C [--user lounge-edge] [--dry-run]',
  options: {
    config: CONFIG_OPTION,
    user: {
      type: 'string',
      value: 'U',
      help: 'the system user the agent runs as (default lounge-edge)',
    },
    'dry-run': { type: 'boolean', help: 'print every step it would take, change nothing' },
  },
  example: 'sudo lounge-provision install --config /etc/lounge-edge/config.json --dry-run',
};

/** This node and the lounge-edge bin of this checkout, by their real paths. */
export function currentRuntime(): Runtime {
  const pkg = createRequire(import.meta.url).resolve('@lounge/edge-agent/package.json');
  return {
    node: realpathSync(process.execPath),
    edgeBin: join(dirname(realpathSync(pkg)), 'bin', 'lounge-edge.js'),
  };
}

/** systemd splits ExecStart= on spaces and reads quotes and `%`: refuse such paths. */
function checkPath(path: string, what: string): void {
  if (!isAbsolute(path) || /[\s"'\\%$]/.test(path)) {
    throw new CliError(`${what} ${path} must be an absolute path without spaces or quotes.`, {
      code: 'BAD_PATH',
    });
  }
}

/** `install`: the system user, data dir, udev rules and systemd unit (SPEC.md section 7). */
export async function run(ctx: Context, argv: readonly string[]): Promise<number> {
  const values = parseVerbArgs(spec, argv);
  const user = optionalString(values, 'user') ?? DEFAULT_GROUP;
  if (!/^[a-z_][a-z0-9_-]{0,31}$/.test(user)) {
    throw new UsageError('--user must be a user name (lowercase, up to 32 characters)', spec.usage);
  }
  const dryRun = values['dry-run'] === true;
  const configPath = resolve(configPathFrom(optionalString(values, 'config'), ctx.env));
  const checked = validateConfig(await readJsonFile(configPath), configPath);
  if (!checked.ok) {
    throw new CliError(`${configPath}: ${checked.problem}`, { code: 'BAD_CONFIG' });
  }
  const { config } = checked;
  const runtime = ctx.runtime ?? currentRuntime();
  const host = ctx.host ?? systemHost;
  for (const [path, what] of [
    [runtime.node, 'node'],
    [runtime.edgeBin, 'lounge-edge'],
    [configPath, 'the config'],
    [config.dataDir, 'dataDir'],
    [config.deviceKeyFile, 'deviceKeyFile'],
  ] as const) {
    checkPath(path, what);
  }
  if (!dryRun && !host.isRoot()) {
    throw new CliError('install changes the system: run it as root, or add --dry-run to see how.', {
      code: 'NOT_ROOT',
    });
  }
  for (const s of config.scanners.filter((s) => s.type === 'stdin')) {
    ctx.err(`warning: scanner ${s.id} reads stdin, which is empty under systemd`);
  }
  const stages = installPlan(
    {
      user,
      node: runtime.node,
      edgeBin: runtime.edgeBin,
      configPath,
      dataDir: config.dataDir,
      deviceKeyFile: config.deviceKeyFile,
      scanners: config.scanners,
    },
    host,
  );
  if (dryRun) {
    ctx.out('# lounge-provision install --dry-run: nothing was changed. As root it would run:');
    for (const line of formatPlan(stages)) ctx.out(line);
    return 0;
  }
  for (const stage of stages) {
    for (const s of stage.steps) apply(host, s);
    ctx.out(step(stage.title));
  }
  ctx.out(
    'lounge-edge runs under systemd: `systemctl status lounge-edge`, `journalctl -u lounge-edge`',
  );
  return 0;
}

function apply(host: Host, s: Step): void {
  try {
    if (s.kind === 'run') host.run(s.argv);
    else host.writeFile(s.path, s.content, s.mode);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new CliError(`install stopped: ${why}. Fix it and run install again.`, {
      code: 'INSTALL_FAILED',
    });
  }
}
