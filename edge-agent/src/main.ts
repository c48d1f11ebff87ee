import { watchParent } from '@lounge/shared';
import { edgeVersion, HELP, parseEdgeArgs } from './cli/args.ts';
import { loadConfigFile } from './config.ts';
import { loadDeviceKey } from './device-key.ts';
import { EdgeError } from './errors.ts';

/** A stop that takes longer is cut short: the unit (and the spec) allow 5 s. */
const STOP_DEADLINE_MS = 4_000;

/** Prints operator errors as plain lines (never a stack trace); exit 2 for a wrong command line. */
function fail(err: unknown): never {
  const lines = err instanceof EdgeError ? err.lines : [`lounge-edge: ${(err as Error).message}`];
  process.stderr.write(lines.join('\n') + '\n');
  process.exit(err instanceof EdgeError && err.code === 'USAGE' ? 2 : 1);
}

async function main(): Promise<void> {
  let loaded;
  let key;
  let configPath;
  try {
    const call = parseEdgeArgs(process.argv.slice(2), process.env);
    if (call.kind === 'help') return void process.stdout.write(HELP + '\n');
    if (call.kind === 'version') return void process.stdout.write(`lounge-edge ${edgeVersion()}\n`);
    configPath = call.configPath;
    loaded = loadConfigFile(configPath);
    key = loadDeviceKey(loaded.config.deviceKeyFile);
  } catch (err) {
    fail(err);
  }
  const { config } = loaded;
  // Loaded only once the config is good, so a config error answers fast.
  const [{ createEdgeLogger, edgeStartupSummary }, { createAgent }, { edgeSubsystems }] =
    await Promise.all([
      import('./cli/logger.ts'),
      import('./agent.ts'),
      import('./sync/wiring.ts'),
    ]);
  const log = createEdgeLogger(config, process.env);
  log.info(
    { version: edgeVersion(), ...edgeStartupSummary(config, configPath) },
    'lounge-edge starting',
  );
  for (const w of [...loaded.warnings, ...key.warnings]) log.warn(w);

  let agent: Awaited<ReturnType<typeof createAgent>> | undefined;
  // Handlers first: a SIGTERM during start-up stops what has started, cleanly.
  let signals = 0;
  const shutdown = (signal: string): void => {
    if (++signals > 1) process.exit(1);
    log.info({ signal }, 'stopping');
    if (!agent) process.exit(0);
    // Every record is committed before it is answered, so cutting a slow stop loses nothing.
    setTimeout(() => {
      log.error({ ms: STOP_DEADLINE_MS }, 'stop took too long; exiting');
      process.exit(1);
    }, STOP_DEADLINE_MS).unref();
    agent.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  try {
    // MQTT sync and IBDP uploader start after the API (each only when configured).
    agent = createAgent(config, {
      log,
      deviceKey: key.jwk,
      subsystems: (a) => edgeSubsystems(a),
    });
    await agent.start();
  } catch (err) {
    await agent?.stop().catch(() => undefined);
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE') {
      const onConsole =
        config.console !== null && (e as { port?: number }).port === config.console.port;
      const [field, where] = onConsole
        ? ['console.port', config.console!]
        : ['api.port', config.api];
      fail(new Error(`${field} ${where.port} on ${where.host} is already in use`));
    }
    fail(err);
  }
  // Under `npx`/`npm start`, SIGTERM to npm dies with its shell: stop when that parent is gone.
  if (process.env.npm_execpath) {
    watchParent({
      ppid: () => process.ppid,
      onGone: () => shutdown('parent exited'),
    });
  }
}

await main();
