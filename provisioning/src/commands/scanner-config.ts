import { optionalString, parseVerbArgs, requiredString, type VerbSpec } from '../args.ts';
import { configPathFrom, readJsonFile, writeJsonAtomic } from '../config-file.ts';
import type { Context } from '../context.ts';
import { CliError } from '../errors.ts';
import { removeScanner, scannerFromFlags, upsertScanner } from '../scanner-edit.ts';

export const addSpec: VerbSpec = {
  usage:
    'lounge-provision add-scanner --config C --id ID --type serial|hid-pos|hid-keyboard|stdin [--path P --baud N --suffix cr|lf|crlf|tab] [--vendor-id V --product-id P --layout us|es]',
  options: {
    config: { type: 'string' },
    id: { type: 'string', required: true },
    type: { type: 'string', required: true },
    path: { type: 'string' },
    baud: { type: 'string' },
    suffix: { type: 'string' },
    'vendor-id': { type: 'string' },
    'product-id': { type: 'string' },
    layout: { type: 'string' },
  },
};

export const removeSpec: VerbSpec = {
  usage: 'lounge-provision remove-scanner --config C --id ID',
  options: { config: { type: 'string' }, id: { type: 'string', required: true } },
};

async function readConfigObject(path: string): Promise<Record<string, unknown>> {
  const raw = await readJsonFile(path);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new CliError(`${path} is not a config object.`, { code: 'BAD_CONFIG' });
  }
  const config = raw as Record<string, unknown>;
  if (config.scanners !== undefined && !Array.isArray(config.scanners)) {
    throw new CliError(`${path}: scanners is not a list.`, { code: 'BAD_CONFIG' });
  }
  return config;
}

/** `add-scanner`: adds or replaces one entry; the rest of the file is left as it was. */
export async function runAdd(ctx: Context, argv: readonly string[]): Promise<number> {
  const values = parseVerbArgs(addSpec, argv);
  const scanner = scannerFromFlags(values, addSpec.usage);
  const path = configPathFrom(optionalString(values, 'config'), ctx.env);
  const config = await readConfigObject(path);
  const { scanners, replaced } = upsertScanner((config.scanners as unknown[]) ?? [], scanner);
  await writeJsonAtomic(path, { ...config, scanners });
  ctx.out(`${replaced ? 'replaced' : 'added'} scanner ${scanner.id} (${scanner.type}) in ${path}`);
  ctx.out('restart the edge agent (lounge-edge) to use it');
  return 0;
}

/** `remove-scanner`: an unknown id is an error, so a typo does not look like success. */
export async function runRemove(ctx: Context, argv: readonly string[]): Promise<number> {
  const values = parseVerbArgs(removeSpec, argv);
  const id = requiredString(values, 'id');
  const path = configPathFrom(optionalString(values, 'config'), ctx.env);
  const config = await readConfigObject(path);
  const { scanners, removed } = removeScanner((config.scanners as unknown[]) ?? [], id);
  if (!removed) throw new CliError(`There is no scanner ${id} in ${path}.`, { code: 'NO_SCANNER' });
  await writeJsonAtomic(path, { ...config, scanners });
  ctx.out(`removed scanner ${id} from ${path}`);
  ctx.out('restart the edge agent (lounge-edge) to apply it');
  return 0;
}
