import { chown, mkdir, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  hashPin,
  normaliseStaffName,
  openEdgeState,
  PIN_RE,
  STAFF_NAME_RE,
  type EdgeState,
} from '@lounge/edge-agent';
import {
  CONFIG_OPTION,
  optionalString,
  parseVerbArgs,
  requiredString,
  type OptionSpec,
  type VerbSpec,
} from '../args.ts';
import { configPathFrom, readJsonFile } from '../config-file.ts';
import type { Context } from '../context.ts';
import { validateConfig } from '../edge-config.ts';
import { CliError, describeSystemError, UsageError } from '../errors.ts';
import { readSecret } from '../secret-prompt.ts';

const NAME_OPTION: OptionSpec = {
  type: 'string',
  required: true,
  value: 'N',
  help: 'the staff member (1-64 letters, digits, spaces, dots, dashes, underscores)',
};

export const addSpec: VerbSpec = {
  usage:
    'lounge-provision add-staff --config C --name N   (asks for a PIN of 6+ digits, or reads it piped)',
  options: { config: CONFIG_OPTION, name: NAME_OPTION },
  example:
    'echo 123456 | lounge-provision add-staff --config /etc/lounge-edge/config.json --name ana',
};

export const removeSpec: VerbSpec = {
  usage: 'lounge-provision remove-staff --config C --name N',
  options: { config: CONFIG_OPTION, name: NAME_OPTION },
  example: 'lounge-provision remove-staff --config /etc/lounge-edge/config.json --name ana',
};

function staffName(values: Record<string, unknown>, usage: string): string {
  const name = normaliseStaffName(requiredString(values as never, 'name'));
  if (!STAFF_NAME_RE.test(name)) {
    throw new UsageError(
      '--name must be 1-64 letters, digits, spaces, dots, dashes or underscores',
      usage,
    );
  }
  return name;
}

/**
 * Opens the box's SQLite state (where the agent keeps its staff) from the config's `dataDir`.
 * Files this creates get the data folder's owner, so the agent's user can still open them when
 * a technician runs this as root.
 */
async function withState<T>(ctx: Context, flag: string | undefined, use: (s: EdgeState) => T) {
  const path = configPathFrom(flag, ctx.env);
  const checked = validateConfig(await readJsonFile(path), path);
  if (!checked.ok) throw new CliError(`${path}: ${checked.problem}.`, { code: 'BAD_CONFIG' });
  const dir = checked.config.dataDir;
  let state: EdgeState;
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    state = openEdgeState({ file: join(dir, 'edge.db') });
  } catch (err) {
    throw new CliError(`Cannot open the box's state in ${dir}: ${describeSystemError(err)}.`);
  }
  try {
    return use(state);
  } finally {
    state.close();
    await matchOwner(dir);
  }
}

async function matchOwner(dir: string): Promise<void> {
  if (process.getuid?.() !== 0) return;
  const owner = await stat(dir);
  for (const f of await readdir(dir)) {
    if (f.startsWith('edge.db')) await chown(join(dir, f), owner.uid, owner.gid).catch(() => {});
  }
}

async function askPin(ctx: Context): Promise<string> {
  const read = ctx.readSecret ?? ((prompt: string) => readSecret(prompt));
  const pin = await read('PIN (6 or more digits): ');
  if (!PIN_RE.test(pin)) {
    throw new CliError('The PIN must be 6 or more digits; nothing was changed.', {
      code: 'BAD_PIN',
    });
  }
  if (process.stdin.isTTY && !ctx.readSecret) {
    if ((await read('The same PIN again: ')) !== pin) {
      throw new CliError('The two PINs differ; nothing was changed.', { code: 'BAD_PIN' });
    }
  }
  return pin;
}

/** `add-staff`: adds a desk-console user, or sets a new PIN for one (stored hashed). */
export async function runAdd(ctx: Context, argv: readonly string[]): Promise<number> {
  const values = parseVerbArgs(addSpec, argv);
  const name = staffName(values, addSpec.usage);
  const pin = await askPin(ctx);
  const hash = await hashPin(pin);
  const added = await withState(ctx, optionalString(values, 'config'), (s) =>
    s.staff.upsert(name, hash, ctx.clock.now()),
  );
  ctx.out(added ? `added staff ${name}` : `set a new PIN for staff ${name}`);
  return 0;
}

/** `remove-staff`: an unknown name is an error, so a typo does not look like success. */
export async function runRemove(ctx: Context, argv: readonly string[]): Promise<number> {
  const values = parseVerbArgs(removeSpec, argv);
  const name = staffName(values, removeSpec.usage);
  const removed = await withState(ctx, optionalString(values, 'config'), (s) =>
    s.staff.remove(name),
  );
  if (!removed)
    throw new CliError(`There is no staff member ${name} on this box.`, { code: 'NO_STAFF' });
  ctx.out(`removed staff ${name}; they can no longer sign in to the desk console`);
  return 0;
}
