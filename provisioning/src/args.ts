import { parseArgs } from 'node:util';
import { UsageError } from './errors.ts';

/** One option of a verb: a string flag, or a boolean switch, and what `--help` says of it. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  required?: boolean;
  /** The value's name in `--help` (`--config C`); string options only. */
  value?: string;
  help: string;
}

/** The command line a verb accepts, the usage line shown when it is wrong, and an example. */
export interface VerbSpec {
  usage: string;
  options: Record<string, OptionSpec>;
  /** A command line a technician could type, shown by `<verb> --help`. */
  example: string;
}

/** `<verb> --help`: what it does, the usage line, each flag, an example. */
export function verbHelp(name: string, summary: string, spec: VerbSpec): string {
  const rows = Object.entries(spec.options).map(([flag, o]) => {
    const label = o.type === 'string' ? `--${flag} ${o.value ?? 'VALUE'}` : `--${flag}`;
    return [label, o.required ? `${o.help} (required)` : o.help] as const;
  });
  const width = Math.max(0, ...rows.map(([label]) => label.length));
  return [
    `lounge-provision ${name}: ${summary}`,
    '',
    `usage: ${spec.usage}`,
    ...(rows.length ? ['', 'flags:', ...rows.map(([l, h]) => `  ${l.padEnd(width)}  ${h}`)] : []),
    '',
    'example:',
    `  ${spec.example}`,
  ].join('\n');
}

/** `--config C`: every verb that reads the box's config takes it the same way. */
export const CONFIG_OPTION: OptionSpec = {
  type: 'string',
  value: 'C',
  help: 'the edge config (default: $LOUNGE_EDGE_CONFIG, else /etc/lounge-edge/config.json)',
};

export type ParsedOptions = Record<string, string | boolean | undefined>;

/**
 * Parses a verb's flags strictly (unknown flags, stray words and missing values are errors),
 * then checks the required ones. Every failure is a UsageError carrying the usage line.
 */
export function parseVerbArgs(spec: VerbSpec, argv: readonly string[]): ParsedOptions {
  const options: Record<string, { type: 'string' | 'boolean' }> = {};
  for (const [name, opt] of Object.entries(spec.options)) options[name] = { type: opt.type };
  let values: ParsedOptions;
  try {
    ({ values } = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }));
  } catch (err) {
    throw new UsageError(explainParseError(err), spec.usage);
  }
  for (const [name, opt] of Object.entries(spec.options)) {
    const value = values[name];
    if (opt.required && value === undefined)
      throw new UsageError(`--${name} is required`, spec.usage);
    if (opt.type === 'string' && value === '') {
      throw new UsageError(`--${name} needs a value`, spec.usage);
    }
  }
  return values;
}

/** node:util's messages are long and mention internals; keep the gist. */
function explainParseError(err: unknown): string {
  const code = (err as { code?: string }).code;
  const message = err instanceof Error ? err.message : String(err);
  const flag = /'(-{1,2}[^' ]+)/.exec(message)?.[1];
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${flag ?? ''}`.trim();
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return flag ? `${flag} needs a value` : 'an option is missing its value';
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument ${/'([^']+)'/.exec(message)?.[1] ?? ''}`.trim();
    default:
      return message.split('\n')[0] ?? 'bad arguments';
  }
}

/** A string option that the spec marks required (already checked by parseVerbArgs). */
export function requiredString(values: ParsedOptions, name: string): string {
  const value = values[name];
  if (typeof value !== 'string') throw new Error(`option --${name} was not parsed`);
  return value;
}

export const optionalString = (values: ParsedOptions, name: string): string | undefined => {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
};

/** An integer flag: decimal, or hexadecimal with `0x` (USB ids are usually written in hex). */
export function parseInteger(text: string, flag: string, usage: string): number {
  const trimmed = text.trim();
  const value = /^0x[0-9a-f]+$/i.test(trimmed)
    ? Number.parseInt(trimmed.slice(2), 16)
    : /^\d+$/.test(trimmed)
      ? Number.parseInt(trimmed, 10)
      : Number.NaN;
  if (!Number.isSafeInteger(value)) {
    throw new UsageError(
      `${flag} must be a number (decimal, or hex like 0x05e0), not "${text}"`,
      usage,
    );
  }
  return value;
}
