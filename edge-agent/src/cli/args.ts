import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { EdgeError } from '../errors.ts';

/** `lounge-edge --help`: what it does, its flags, an example. */
export const HELP = [
  'lounge-edge: the lounge edge agent: reads the scanners, decides offline, serves the turnstile API',
  '',
  'usage: lounge-edge [serve] --config FILE',
  '       lounge-edge --version',
  '',
  'flags:',
  '  --config FILE  the config written by lounge-provision enroll (or set LOUNGE_EDGE_CONFIG)',
  '  --help         this text',
  '  --version      print the version',
  '',
  'environment:',
  '  LOUNGE_EDGE_CONFIG  the config file when --config is not given',
  '  LOG_LEVEL           fatal|error|warn|info|debug|trace|silent (else log.level, else info)',
  '  LOG_FORMAT          json or pretty (else log.format; pretty on a terminal, else json)',
  '',
  'example:',
  '  lounge-edge --config /etc/lounge-edge/config.json',
].join('\n');

const USAGE = 'usage: lounge-edge --config FILE   (lounge-edge --help for more)';

/** What the command line asks for. */
export type EdgeInvocation =
  { kind: 'help' } | { kind: 'version' } | { kind: 'run'; configPath: string };

/**
 * Reads argv (without node and the script). An unknown flag or argument is an EdgeError with
 * code USAGE (exit 2), decided before anything is opened.
 */
export function parseEdgeArgs(argv: readonly string[], env: NodeJS.ProcessEnv): EdgeInvocation {
  if (argv.includes('--help') || argv.includes('-h')) return { kind: 'help' };
  if (argv.includes('--version')) return { kind: 'version' };
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: { config: { type: 'string' } },
      strict: true,
      allowPositionals: true,
    });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const flag = /'(-{1,2}[^' ]+)/.exec(message)?.[1] ?? '';
    const code = (err as { code?: string }).code;
    const what =
      code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE'
        ? `${flag} needs a file`
        : `unknown flag ${flag}`;
    throw new EdgeError('USAGE', [`lounge-edge: ${what}; ${USAGE}`]);
  }
  const extra = parsed.positionals.filter((p, i) => !(i === 0 && p === 'serve'));
  if (extra.length) {
    throw new EdgeError('USAGE', [`lounge-edge: unknown argument ${extra[0]}; ${USAGE}`]);
  }
  const configPath = parsed.values.config || env.LOUNGE_EDGE_CONFIG;
  if (!configPath) {
    throw new EdgeError('CONFIG_NOT_FOUND', [`lounge-edge: no config file. ${USAGE}`]);
  }
  return { kind: 'run', configPath };
}

/** The package version `--version` prints. */
export function edgeVersion(): string {
  const url = new URL('../../package.json', import.meta.url);
  return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
}
