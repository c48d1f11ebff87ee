import { CONFIG_OPTION, optionalString, parseVerbArgs, type VerbSpec } from '../args.ts';
import { configPathFrom, readJsonFile } from '../config-file.ts';
import type { Context } from '../context.ts';
import { scannerConfigSchema } from '../edge-config.ts';
import { CliError, UsageError } from '../errors.ts';
import { DEFAULT_GROUP, udevRules } from '../udev.ts';

export const spec: VerbSpec = {
  usage: 'lounge-provision udev-rules [--config C] [--group G]',
  options: {
    config: CONFIG_OPTION,
    group: { type: 'string', value: 'G', help: "the agent's group (default lounge-edge)" },
  },
  example:
    'lounge-provision udev-rules --config /etc/lounge-edge/config.json > /etc/udev/rules.d/70-lounge-scanners.rules',
};

/** `udev-rules`: prints the rules on stdout so they can be piped into /etc/udev/rules.d. */
export async function run(ctx: Context, argv: readonly string[]): Promise<number> {
  const values = parseVerbArgs(spec, argv);
  const group = optionalString(values, 'group') ?? DEFAULT_GROUP;
  if (!/^[a-z_][a-z0-9_-]*$/.test(group))
    throw new UsageError('--group must be a group name', spec.usage);
  const path = configPathFrom(optionalString(values, 'config'), ctx.env);
  const raw = (await readJsonFile(path)) as { scanners?: unknown };
  const list = scannerConfigSchema.array().safeParse(raw?.scanners ?? []);
  if (!list.success) {
    const at = list.error.issues[0]?.path.join('.') ?? '';
    throw new CliError(`${path}: scanners.${at} is invalid; fix it with add-scanner.`, {
      code: 'BAD_CONFIG',
    });
  }
  ctx.out(udevRules(list.data, group).trimEnd());
  return 0;
}
