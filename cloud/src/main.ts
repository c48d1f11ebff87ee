import { parseArgs } from 'node:util';
import { ProblemError } from '@lounge/shared';
import { pino } from 'pino';
import {
  UsageError,
  apiKeysCreate,
  apiKeysList,
  apiKeysRevoke,
  enrollmentToken,
  loungesAdd,
  loungesList,
  migrate,
  signingKeysRotate,
  type CommandResult,
} from './cli/admin-commands.ts';
import type { CloudCore } from './cloud.ts';
import { ConfigError, loadConfig } from './config.ts';

const USAGE =
  'usage: lounge-cloud [serve] | migrate | api-keys create --role R --name N | api-keys list | ' +
  'api-keys revoke ID | ' +
  'lounges add --id ID --airport IATA --tz TZ --name N [--capacity N] [--hours HH:MM-HH:MM] | ' +
  'lounges list | enrollment-token --lounge ID [--ttl 1h] | ' +
  'signing-keys rotate   (add --json for JSON output)';

type Command = (
  core: CloudCore,
  flags: Record<string, string | undefined>,
  args: string[],
) => Promise<CommandResult>;

/** The commands that take positional arguments (the rest refuse any). */
const TAKES_ARGS = new Set(['api-keys revoke']);

const COMMANDS: Record<string, Command> = {
  migrate: (core) => migrate(core),
  'api-keys create': apiKeysCreate,
  'api-keys list': (core) => apiKeysList(core),
  'api-keys revoke': apiKeysRevoke,
  'lounges add': loungesAdd,
  'lounges list': (core) => loungesList(core),
  'enrollment-token': enrollmentToken,
  'signing-keys rotate': (core) => signingKeysRotate(core),
};

/** One sentence for the operator; never a stack trace. */
function fail(err: unknown): never {
  const message =
    err instanceof ConfigError || err instanceof UsageError || err instanceof ProblemError
      ? err.message
      : err instanceof Error
        ? err.message
        : String(err);
  process.stderr.write(`lounge-cloud: ${message}\n`);
  process.exit(1);
}

async function serve(): Promise<void> {
  const config = loadConfig(process.env);
  // Loaded after the config is valid: a bad variable is reported without loading the stack.
  const { startCloud } = await import('./cloud.ts');
  const cloud = await startCloud(config);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) process.exit(1); // a second Ctrl-C: give up waiting
    stopping = true;
    process.stderr.write(`lounge-cloud: ${signal}, stopping\n`);
    cloud.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

async function admin(name: string, args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      role: { type: 'string' },
      name: { type: 'string' },
      id: { type: 'string' },
      airport: { type: 'string' },
      tz: { type: 'string' },
      capacity: { type: 'string' },
      hours: { type: 'string' },
      lounge: { type: 'string' },
      ttl: { type: 'string' },
      json: { type: 'boolean' },
    },
    strict: true,
    allowPositionals: true,
  });
  if (positionals.length > 0 && !TAKES_ARGS.has(name)) {
    throw new UsageError(`unexpected argument "${positionals[0]}"`);
  }
  const { json, ...flags } = values;
  const command = COMMANDS[name]!;
  const config = loadConfig(process.env, { integrations: false });
  const { openCore } = await import('./cloud.ts');
  const core = await openCore(config, {
    // Admin commands print their result on stdout; only warnings go to stderr.
    log: pino({ level: 'warn' }, pino.destination(2)),
  });
  try {
    const result = await command(core, flags as Record<string, string | undefined>, positionals);
    process.stdout.write((json ? JSON.stringify(result.json) : result.line) + '\n');
  } finally {
    await core.close();
  }
}

async function main(argv: string[]): Promise<void> {
  const positionals = argv.filter((a) => !a.startsWith('-'));
  const [first, second] = positionals;
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(USAGE + '\n');
    return;
  }
  if (first === undefined || first === 'serve') return serve();
  const name = COMMANDS[`${first} ${second}`] ? `${first} ${second}` : first;
  if (!COMMANDS[name]) throw new UsageError(`unknown command "${positionals.join(' ')}"; ${USAGE}`);
  const rest = argv.slice(argv.indexOf(name.includes(' ') ? second! : first) + 1);
  return admin(name, rest);
}

main(process.argv.slice(2)).catch(fail);
