import { ProblemError, watchParent } from '@lounge/shared';
import { UsageError } from './cli/admin-commands.ts';
import { mainHelp, verbHelp } from './cli/help.ts';
import { parseCommandLine } from './cli/parse.ts';
import { VERBS } from './cli/verbs.ts';
import { cloudVersion } from './cli/version.ts';
import { ConfigError, loadConfig } from './config.ts';
import { createAdminLogger, createLogger } from './log.ts';

/** A stop that takes longer is cut short: the unit (and the spec) allow 5 s. */
const STOP_DEADLINE_MS = 4_000;

/** One sentence for the operator, never a stack trace; a wrong command line exits 2. */
function fail(err: unknown): never {
  const message =
    err instanceof ConfigError || err instanceof UsageError || err instanceof ProblemError
      ? err.message
      : err instanceof Error
        ? err.message.split('\n')[0]
        : String(err);
  process.stderr.write(`lounge-cloud: ${message}\n`);
  process.exit(err instanceof UsageError ? err.exitCode : 1);
}

async function serve(): Promise<void> {
  const config = loadConfig(process.env);
  const log = createLogger({ level: config.logLevel, format: config.logFormat });
  // Loaded after the config is valid: a bad variable is reported without loading the stack.
  const { startCloud } = await import('./cloud.ts');
  const cloud = await startCloud(config, { log, version: cloudVersion() });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) process.exit(1); // a second Ctrl-C: give up waiting
    stopping = true;
    log.info({ signal }, 'stopping');
    // Writes are transactions and the outbox resumes at the next start: a cut stop loses nothing.
    setTimeout(() => {
      log.warn({ deadlineMs: STOP_DEADLINE_MS }, 'stop took too long; exiting');
      process.exit(1);
    }, STOP_DEADLINE_MS).unref();
    cloud.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  // Under `npx`/`npm start`, SIGTERM to npm dies with its shell: stop when that parent is gone.
  if (process.env.npm_execpath) {
    watchParent({
      ppid: () => process.ppid,
      onGone: () => stop('parent exited'),
    });
  }
}

async function admin(
  verb: string,
  flags: Record<string, string | undefined>,
  args: string[],
  json: boolean,
): Promise<void> {
  const command = VERBS[verb]!.run!;
  const config = loadConfig(process.env, { integrations: false });
  const { openCore } = await import('./cloud.ts');
  // The result is the one line on stdout; warnings are plain lines on stderr.
  const core = await openCore(config, { log: createAdminLogger() });
  try {
    const result = await command(core, flags, args);
    process.stdout.write((json ? JSON.stringify(result.json) : result.line) + '\n');
  } finally {
    await core.close();
  }
}

async function main(argv: string[]): Promise<void> {
  // Everything about the command line is settled before anything is opened or started.
  const call = parseCommandLine(argv);
  if (call.kind === 'help') {
    process.stdout.write((call.verb ? verbHelp(call.verb) : mainHelp()) + '\n');
    return;
  }
  if (call.kind === 'version') {
    process.stdout.write(`lounge-cloud ${cloudVersion()}\n`);
    return;
  }
  if (call.verb === 'serve') return serve();
  return admin(call.verb, call.flags, call.args, call.json);
}

main(process.argv.slice(2)).catch(fail);
