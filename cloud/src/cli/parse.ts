import { parseArgs } from 'node:util';
import { UsageError } from './admin-commands.ts';
import { GROUPS, VERBS, type Verb } from './verbs.ts';

/** What the command line asks for: help, the version, or one verb with its flags. */
export type Invocation =
  | { kind: 'help'; verb: string | undefined }
  | { kind: 'version' }
  | {
      kind: 'run';
      verb: string;
      flags: Record<string, string | undefined>;
      args: string[];
      json: boolean;
    };

const isFlag = (arg: string): boolean => arg.startsWith('-');

/** `unknown command` for a word that is no verb, listing what that group has. */
function unknownVerb(words: string[]): UsageError {
  const [group] = words;
  if (group && GROUPS.has(group)) {
    const subs = Object.keys(VERBS)
      .filter((v) => v.startsWith(`${group} `))
      .map((v) => v.slice(group.length + 1));
    const what = words[1] ? `"${words.slice(0, 2).join(' ')}"` : `"${group}" without a verb`;
    return new UsageError(`unknown command ${what}; ${group} has: ${subs.join(', ')}`);
  }
  return new UsageError(`unknown command "${group}"; run lounge-cloud --help for the list`);
}

/** node:util's messages mention internals; keep the flag. */
function explain(err: unknown, verb: string): string {
  const code = (err as { code?: string }).code;
  const message = err instanceof Error ? err.message : String(err);
  const flag = /'(-{1,2}[^' ]+)/.exec(message)?.[1] ?? '';
  const see = `; see lounge-cloud ${verb} --help`;
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown flag ${flag} for "${verb}"${see}`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return `${flag} needs a value${see}`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument ${/'([^']+)'/.exec(message)?.[1] ?? ''} for "${verb}"${see}`;
    default:
      return `${message.split('\n')[0]}${see}`;
  }
}

/**
 * Reads argv (without node and the script). Throws a UsageError (exit 2) for an unknown verb
 * or flag, a missing value or argument: nothing has been opened or started by then.
 */
export function parseCommandLine(argv: readonly string[]): Invocation {
  const lead = argv.findIndex(isFlag);
  const words = lead < 0 ? [...argv] : argv.slice(0, lead);
  let verb: string;
  if (words.length === 0) verb = 'serve';
  else if (words.length >= 2 && VERBS[`${words[0]} ${words[1]}`]) verb = `${words[0]} ${words[1]}`;
  else if (VERBS[words[0]!] && !GROUPS.has(words[0]!)) verb = words[0]!;
  else throw unknownVerb(words);
  const rest = argv.slice(words.length === 0 ? 0 : verb.split(' ').length);
  if (rest.includes('--help') || rest.includes('-h')) {
    return { kind: 'help', verb: words.length === 0 ? undefined : verb };
  }
  if (rest.includes('--version')) return { kind: 'version' };
  const spec: Verb = VERBS[verb]!;
  const options = Object.fromEntries(
    Object.entries(spec.flags).map(([name, f]) => [
      name,
      { type: f.value ? ('string' as const) : ('boolean' as const) },
    ]),
  );
  let parsed: ReturnType<typeof parseArgs<{ options: typeof options; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: [...rest], options, strict: true, allowPositionals: true });
  } catch (err) {
    throw new UsageError(explain(err, verb));
  }
  const wanted = spec.args ?? [];
  if (parsed.positionals.length > wanted.length) {
    throw new UsageError(
      `unexpected argument ${parsed.positionals[wanted.length]} for "${verb}"; see lounge-cloud ${verb} --help`,
    );
  }
  if (parsed.positionals.length < wanted.length) {
    throw new UsageError(`${verb} needs ${wanted.join(' ')}; see lounge-cloud ${verb} --help`);
  }
  const flags: Record<string, string | undefined> = {};
  let json = false;
  for (const [name, value] of Object.entries(parsed.values)) {
    if (name === 'json') json = value === true;
    else if (value !== undefined && value !== false) flags[name] = String(value);
  }
  for (const [name, f] of Object.entries(spec.flags)) {
    if (f.required && !flags[name]) {
      throw new UsageError(`--${name} is required; see lounge-cloud ${verb} --help`);
    }
  }
  spec.check?.(flags);
  return { kind: 'run', verb, flags, args: parsed.positionals, json };
}
