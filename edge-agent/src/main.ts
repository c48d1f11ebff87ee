import { loadConfigFile } from './config.ts';
import { loadDeviceKey } from './device-key.ts';
import { EdgeError } from './errors.ts';

const USAGE = 'usage: lounge-edge --config FILE   (or set LOUNGE_EDGE_CONFIG)';

/** Reads `--config FILE` / `--config=FILE`, else LOUNGE_EDGE_CONFIG. */
function configPathFrom(argv: string[], env: NodeJS.ProcessEnv): string {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--config') {
      const value = argv[i + 1];
      if (!value) throw new EdgeError('CONFIG_NOT_FOUND', ['lounge-edge: --config needs a file']);
      return value;
    }
    if (arg.startsWith('--config=')) return arg.slice('--config='.length);
    if (arg === 'serve') continue;
    throw new EdgeError('CONFIG_INVALID', [`lounge-edge: unknown argument ${arg}`, USAGE]);
  }
  if (env.LOUNGE_EDGE_CONFIG) return env.LOUNGE_EDGE_CONFIG;
  throw new EdgeError('CONFIG_NOT_FOUND', [`lounge-edge: no config file. ${USAGE}`]);
}

/** Prints operator errors as plain lines (never a stack trace) and exits 1. */
function fail(err: unknown): never {
  const lines = err instanceof EdgeError ? err.lines : [`lounge-edge: ${(err as Error).message}`];
  process.stderr.write(lines.join('\n') + '\n');
  process.exit(1);
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(USAGE + '\n');
    return;
  }
  let loaded;
  let key;
  try {
    loaded = loadConfigFile(configPathFrom(argv, process.env));
    key = loadDeviceKey(loaded.config.deviceKeyFile);
  } catch (err) {
    fail(err);
  }
  const { config } = loaded;
  // Loaded only once the config is good, so a config error answers fast.
  const [{ default: pino }, { createAgent }, { edgeSubsystems }] = await Promise.all([
    import('pino'),
    import('./agent.ts'),
    import('./sync/wiring.ts'),
  ]);
  const log = pino({
    level: process.env.LOG_LEVEL ?? 'info',
    base: { service: 'lounge-edge', deviceId: config.deviceId, loungeId: config.loungeId },
  });
  for (const w of [...loaded.warnings, ...key.warnings]) log.warn(w);

  let agent;
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

  let signals = 0;
  const shutdown = (signal: string): void => {
    if (++signals > 1) process.exit(1);
    log.info({ signal }, 'stopping');
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
}

await main();
