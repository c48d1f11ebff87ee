import {
  CONFIG_OPTION,
  optionalString,
  parseInteger,
  parseVerbArgs,
  type VerbSpec,
} from '../args.ts';
import { configPathFrom, readJsonFile, writeJsonAtomic } from '../config-file.ts';
import type { Context } from '../context.ts';
import { validateConfig } from '../edge-config.ts';
import { CliError, UsageError } from '../errors.ts';

export const spec: VerbSpec = {
  usage: 'lounge-provision console --config C --host H --port P [--tls-cert FILE --tls-key FILE]',
  options: {
    config: CONFIG_OPTION,
    host: {
      type: 'string',
      required: true,
      value: 'H',
      help: 'the address to listen on (0.0.0.0: the lounge LAN)',
    },
    port: { type: 'string', required: true, value: 'P', help: 'the port to listen on (1-65535)' },
    'tls-cert': {
      type: 'string',
      value: 'FILE',
      help: 'PEM certificate: serve HTTPS (with --tls-key)',
    },
    'tls-key': { type: 'string', value: 'FILE', help: 'PEM private key (with --tls-cert)' },
  },
  example:
    'lounge-provision console --config /etc/lounge-edge/config.json --host 0.0.0.0 --port 8088',
};

/**
 * `console`: turns on the desk console (SPEC.md 7 and 8) by writing the `console` block of the
 * config; the rest of the file is left as it was. Checked with the agent's own schema first.
 */
export async function run(ctx: Context, argv: readonly string[]): Promise<number> {
  const values = parseVerbArgs(spec, argv);
  const host = optionalString(values, 'host')!;
  const port = parseInteger(optionalString(values, 'port')!, '--port', spec.usage);
  if (port < 1 || port > 65535) throw new UsageError('--port must be 1-65535', spec.usage);
  const cert = optionalString(values, 'tls-cert');
  const key = optionalString(values, 'tls-key');
  if ((cert === undefined) !== (key === undefined)) {
    throw new UsageError('--tls-cert and --tls-key go together', spec.usage);
  }
  const path = configPathFrom(optionalString(values, 'config'), ctx.env);
  const raw = await readJsonFile(path);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new CliError(`${path} is not a config object.`, { code: 'BAD_CONFIG' });
  }
  const next = { ...raw, console: { host, port, tls: cert && key ? { cert, key } : null } };
  const checked = validateConfig(next, path);
  if (!checked.ok) throw new CliError(`${path}: ${checked.problem}.`, { code: 'BAD_CONFIG' });
  await writeJsonAtomic(path, next);
  const scheme = cert ? 'https' : 'http';
  const shown = host === '0.0.0.0' || host === '::' ? ctx.hostname : host;
  ctx.out(`desk console set to ${scheme}://${shown}:${port}/ in ${path}`);
  ctx.out('add staff with lounge-provision add-staff, then restart the edge agent (lounge-edge)');
  return 0;
}
