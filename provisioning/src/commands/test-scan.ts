import { stat } from 'node:fs/promises';
import pino from 'pino';
import { agentRunning, agentTestScan } from '../agent-client.ts';
import {
  CONFIG_OPTION,
  optionalString,
  parseInteger,
  parseVerbArgs,
  type VerbSpec,
} from '../args.ts';
import type { Context } from '../context.ts';
import { loadConfig } from '../device.ts';
import { dryRun, formatDryRun, type DryRun } from '../dry-run.ts';
import type { EdgeConfig, ScannerConfig } from '../edge-config.ts';
import { CliError, UsageError } from '../errors.ts';
import { truncate } from '../output.ts';

export const spec: VerbSpec = {
  usage: 'lounge-provision test-scan --config C [--scanner ID] [--timeout S]',
  options: {
    config: CONFIG_OPTION,
    scanner: { type: 'string', value: 'ID', help: 'the scanner to test (default: the first)' },
    timeout: { type: 'string', value: 'S', help: 'seconds to wait for a scan (default 30)' },
  },
  example: 'lounge-provision test-scan --config /etc/lounge-edge/config.json --scanner gate1',
};

const utf8 = new TextDecoder('utf-8');

/**
 * `test-scan`: one scan, its code and the decision it would get, consuming nothing. With the
 * agent running (it holds the scanner), the agent takes the read as a dry run
 * (`POST /v1/scanners/:id/test`); with it stopped, the CLI opens the driver itself.
 */
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
  if (await agentRunning(config, ctx.fetch)) {
    ctx.out(`the agent is running: it takes the next read on ${sc.id} as a dry run`);
    ctx.out(`waiting up to ${timeoutS} s for a scan on ${sc.id} (${sc.type})…`);
    const { code, decision } = await agentTestScan(config, ctx.fetch, sc.id, timeoutS);
    ctx.out(`scanned: ${truncate(code)}`);
    ctx.out(formatDryRun({ source: 'agent', ...decision }));
    return 0;
  }
  await checkPresent(sc);
  const code = await readOneScan(ctx, sc, timeoutS);
  ctx.out(`scanned: ${truncate(code.trim())}`);
  const decision: DryRun | undefined = await dryRun(code, config, ctx.fetch, ctx.clock);
  ctx.out(
    decision
      ? formatDryRun(decision)
      : 'decision: unknown (neither the agent nor the cloud answered)',
  );
  return 0;
}

/** A serial port that is not there fails at once, before any driver loads. */
async function checkPresent(sc: ScannerConfig): Promise<void> {
  if (sc.type !== 'serial') return;
  try {
    await stat(sc.path);
  } catch {
    throw new CliError(
      `${sc.id}: ${sc.path} does not exist; check the cable and the path (lounge-provision scanners lists the ports).`,
      { code: 'NO_DEVICE' },
    );
  }
}

/** Opens the scanner and waits for one code; a device that fails to open fails at once. */
async function readOneScan(ctx: Context, sc: EdgeConfig['scanners'][number], timeoutS: number) {
  const toolkit = await ctx.scanners();
  const log = pino({ level: ctx.env.LOG_LEVEL ?? 'silent' }, pino.destination(2));
  let lastStatus = '';
  let statuses = 0;
  let connected = false;
  type Outcome = { code: string } | { failure: string } | undefined;
  let settle: (outcome: Outcome) => void = () => undefined;
  const outcome = new Promise<Outcome>((resolve) => (settle = resolve));
  const scanner = toolkit.createScanner(sc, {
    log,
    clock: ctx.clock,
    events: {
      onScan: (scan) =>
        settle({ code: typeof scan.code === 'string' ? scan.code : utf8.decode(scan.code) }),
      onStatus: (h) => {
        const line = `scanner ${h.id}: ${h.status}${h.detail ? ` (${h.detail})` : ''}`;
        if (line !== lastStatus) ctx.out((lastStatus = line));
        statuses++;
        if (h.status === 'connected') connected = true;
        // A closed stdin will never deliver a scan: no point waiting for the timeout.
        else if (sc.type === 'stdin') setTimeout(() => settle(undefined), 50);
        // The first status is "opening…"; a later one that is not "connected" is the device
        // missing, refused or held by another program: say so now, not after the timeout.
        else if (statuses > 1 || connected) settle({ failure: h.detail ?? h.status });
      },
    },
  });
  const timer = setTimeout(() => settle(undefined), timeoutS * 1000);
  ctx.out(`waiting up to ${timeoutS} s for a scan on ${sc.id} (${sc.type})…`);
  scanner.start();
  const result = await outcome;
  clearTimeout(timer);
  await scanner.stop();
  if (result && 'code' in result) return result.code;
  if (result) {
    const held = /lock|busy|resource temporarily unavailable/i.test(result.failure);
    throw new CliError(
      held
        ? `${sc.id} is held by another program (${result.failure}); stop it and try again.`
        : `${sc.id} cannot be read: ${result.failure}.`,
      { code: held ? 'DEVICE_BUSY' : 'NO_DEVICE' },
    );
  }
  if (sc.type === 'stdin') {
    throw new CliError(`The input of ${sc.id} ended without a scan.`, { code: 'NO_SCAN' });
  }
  throw new CliError(
    `No scan within ${timeoutS} s on ${sc.id}; check the cable, the scanner mode (${sc.type}) and the udev rules.`,
    { code: 'NO_SCAN' },
  );
}
