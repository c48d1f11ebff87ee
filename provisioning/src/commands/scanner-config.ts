import { stat } from 'node:fs/promises';
import {
  CONFIG_OPTION,
  optionalString,
  parseVerbArgs,
  requiredString,
  type VerbSpec,
} from '../args.ts';
import { configPathFrom, readJsonFile, writeJsonAtomic } from '../config-file.ts';
import type { Context } from '../context.ts';
import { CliError } from '../errors.ts';
import { removeScanner, scannerFromFlags, upsertScanner } from '../scanner-edit.ts';

export const addSpec: VerbSpec = {
  usage:
    'lounge-provision add-scanner --config C --id ID --type serial|hid-pos|hid-keyboard|stdin [--path P --baud N --suffix cr|lf|crlf|tab] [--vendor-id V --product-id P --layout us|es]',
  options: {
    config: CONFIG_OPTION,
    id: { type: 'string', required: true, value: 'ID', help: 'the scanner id, also the gate name' },
    type: {
      type: 'string',
      required: true,
      value: 'T',
      help: 'serial, hid-pos, hid-keyboard or stdin',
    },
    path: {
      type: 'string',
      value: 'P',
      help: 'serial: the port (prefer /dev/serial/by-id/…); HID: pick one of identical scanners',
    },
    baud: { type: 'string', value: 'N', help: 'serial: baud rate (default 9600)' },
    suffix: {
      type: 'string',
      value: 'S',
      help: 'serial: cr, lf, crlf or tab, any case (default crlf)',
    },
    'vendor-id': { type: 'string', value: 'V', help: 'HID: USB vendor id, e.g. 0x05e0' },
    'product-id': { type: 'string', value: 'P', help: 'HID: USB product id, e.g. 0x1200' },
    layout: { type: 'string', value: 'L', help: 'hid-keyboard: us or es (default us)' },
  },
  example:
    'lounge-provision add-scanner --config /etc/lounge-edge/config.json --id gate1 --type serial --path /dev/serial/by-id/usb-Honeywell-if00 --suffix cr',
};

export const removeSpec: VerbSpec = {
  usage: 'lounge-provision remove-scanner --config C --id ID',
  options: {
    config: CONFIG_OPTION,
    id: { type: 'string', required: true, value: 'ID', help: 'the scanner to remove' },
  },
  example: 'lounge-provision remove-scanner --config /etc/lounge-edge/config.json --id gate1',
};

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

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
  if ('path' in scanner && scanner.path && !(await exists(scanner.path))) {
    // Written anyway: the scanner may be plugged in later; the agent waits for it.
    ctx.err(
      `warning: ${scanner.path} does not exist (yet); check the cable and the path (lounge-provision scanners lists what is plugged in)`,
    );
  }
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
