import { hostname } from 'node:os';
import { fetch } from 'undici';
import { systemClock } from '@lounge/shared';
import { runCli } from './cli.ts';
import type { Context } from './context.ts';
import { CliError } from './errors.ts';
import { loadScannerToolkit } from './scanner-toolkit.ts';

// Composition root: real fetch, clock, console and drivers; every failure is one sentence.
const ctx: Context = {
  fetch,
  clock: systemClock,
  env: process.env,
  hostname: hostname(),
  scanners: loadScannerToolkit,
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

try {
  process.exitCode = await runCli(ctx, process.argv.slice(2));
} catch (err) {
  if (err instanceof CliError) {
    ctx.err(`lounge-provision: ${err.message}`);
    process.exitCode = err.exitCode;
  } else {
    const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
    ctx.err(`lounge-provision: unexpected error: ${message}`);
    process.exitCode = 1;
  }
}
// Drivers and sockets may keep handles open; the verb is done, so leave.
await new Promise((resolve) => process.stdout.write('', resolve));
await new Promise((resolve) => process.stderr.write('', resolve));
process.exit();
