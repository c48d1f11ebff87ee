import { logFormatFor, prettyDestination, type LogFormat } from '@lounge/shared';
import { pino, type Logger } from 'pino';

/**
 * The cloud's pino logger on stdout: JSON, or one readable line per event with
 * `LOG_FORMAT=pretty` (the default on a terminal), SPEC.md section 3.
 */
export function createLogger(opts: {
  level: string;
  format: LogFormat | undefined;
  out?: NodeJS.WriteStream;
}): Logger {
  const out = opts.out ?? process.stdout;
  const base = { service: 'lounge-cloud' };
  if (logFormatFor(opts.format, out.isTTY === true) === 'json') {
    return pino({ level: opts.level, base }, out === process.stdout ? undefined : out);
  }
  return pino(
    { level: opts.level, base },
    prettyDestination((line) => out.write(line)),
  );
}

/**
 * The admin commands' logger: their result is the one line on stdout, so a warning is one
 * plain line on stderr (`lounge-cloud: warning: …`), never a JSON record.
 */
export function createAdminLogger(err: NodeJS.WritableStream = process.stderr): Logger {
  return pino(
    { level: 'warn', base: null, timestamp: false },
    {
      write(chunk: string) {
        const { level, msg, path, ...fields } = JSON.parse(chunk) as Record<string, unknown>;
        const kind = (level as number) >= 50 ? 'error' : 'warning';
        const where = typeof path === 'string' ? ` (${path})` : '';
        // The fields say which thing (a kid, a key id): an audit line must name it.
        const extra = Object.entries(fields)
          .filter(([, v]) => v !== undefined && typeof v !== 'object')
          .map(([k, v]) => `${k}=${String(v)}`)
          .join(' ');
        err.write(
          `lounge-cloud: ${kind}: ${String(msg ?? '')}${where}${extra ? ` ${extra}` : ''}\n`,
        );
      },
    },
  );
}
