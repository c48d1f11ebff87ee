import pino from 'pino';
import { optionalString, parseInteger, parseVerbArgs, type VerbSpec } from '../args.ts';
import type { Context } from '../context.ts';
import { loadConfig } from '../device.ts';
import { dryRun, formatDryRun } from '../dry-run.ts';
import { CliError, UsageError } from '../errors.ts';
import { truncate } from '../output.ts';

export const spec: VerbSpec = {
  usage: 'lounge-provision test-scan --config C [--scanner ID] [--timeout S]',
  options: { config: { type: 'string' }, scanner: { type: 'string' }, timeout: { type: 'string' } },
};

const utf8 = new TextDecoder('utf-8');

/** `test-scan`: opens the real driver, waits for one code, prints it and its dry-run decision. */
export async function run(ctx: Context, argv: readonly string[]): Promise<number> {
  const values = parseVerbArgs(spec, argv);
  const timeoutText = optionalString(values, 'timeout');
  const timeoutS =
    timeoutText === undefined ? 30 : parseInteger(timeoutText, '--timeout', spec.usage);
  if (timeoutS < 1) throw new UsageError('--timeout must be at least 1 second', spec.usage);
  const { config } = await loadConfig(optionalString(values, 'config'), ctx);
  const wanted = optionalString(values, 'scanner');
  const sc = wanted ? config.scanners.find((s) => s.id === wanted) : config.scanners[0];
  if (!sc) {
    throw new CliError(
      wanted
        ? `There is no scanner ${wanted} in the config.`
        : 'No scanner is configured; add one with add-scanner.',
      { code: 'NO_SCANNER' },
    );
  }
  const toolkit = await ctx.scanners();
  const log = pino({ level: ctx.env.LOG_LEVEL ?? 'silent' }, pino.destination(2));
  let lastStatus = '';
  let settle: (code: string | undefined) => void = () => undefined;
  const scanned = new Promise<string | undefined>((resolve) => (settle = resolve));
  const scanner = toolkit.createScanner(sc, {
    log,
    clock: ctx.clock,
    events: {
      onScan: (scan) => settle(typeof scan.code === 'string' ? scan.code : utf8.decode(scan.code)),
      onStatus: (h) => {
        const line = `scanner ${h.id}: ${h.status}${h.detail ? ` (${h.detail})` : ''}`;
        if (line !== lastStatus) ctx.out((lastStatus = line));
        // A closed stdin will never deliver a scan: no point waiting for the timeout.
        if (sc.type === 'stdin' && h.status === 'disconnected') {
          setTimeout(() => settle(undefined), 50);
        }
      },
    },
  });
  const timer = setTimeout(() => settle(undefined), timeoutS * 1000);
  ctx.out(`waiting up to ${timeoutS} s for a scan on ${sc.id} (${sc.type})…`);
  scanner.start();
  const code = await scanned;
  clearTimeout(timer);
  await scanner.stop();
  if (code === undefined && sc.type === 'stdin') {
    throw new CliError(`The input of ${sc.id} ended without a scan.`, { code: 'NO_SCAN' });
  }
  if (code === undefined) {
    throw new CliError(
      `No scan within ${timeoutS} s on ${sc.id}; check the cable, the scanner mode (${sc.type}), that the agent is stopped (it holds the port) and the udev rules.`,
      { code: 'NO_SCAN' },
    );
  }
  ctx.out(`scanned: ${truncate(code.trim())}`);
  const decision = await dryRun(code, config, ctx.fetch, ctx.clock);
  ctx.out(
    decision
      ? formatDryRun(decision)
      : 'decision: unknown (neither the agent nor the cloud answered)',
  );
  return 0;
}
