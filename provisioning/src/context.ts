import type { Clock } from '@lounge/shared';
import type { Fetch } from './cloud-client.ts';
import type { Host } from './host.ts';
import type { Output } from './output.ts';
import type { ScannerToolkit } from './scanner-toolkit.ts';

/** Everything a verb touches outside its arguments, injected by `main.ts` (or a test). */
export interface Context extends Output {
  fetch: Fetch;
  clock: Clock;
  env: NodeJS.ProcessEnv;
  /** Loads the scanner drivers lazily: node-hid needs libusb, only some verbs need it. */
  scanners: () => Promise<ScannerToolkit>;
  hostname: string;
  /** The machine `install` changes; the real one when left out. */
  host?: Host;
  /** What the systemd unit runs; this node and checkout when left out. */
  runtime?: Runtime;
  /** Asks for a secret (a staff PIN): no echo on a terminal; default from process.stdin. */
  readSecret?: (prompt: string) => Promise<string>;
}

/** Absolute paths of the node binary and the lounge-edge bin that a unit starts. */
export interface Runtime {
  node: string;
  edgeBin: string;
}

/** A verb's body: returns the exit code, or throws CliError. */
export type VerbRun = (ctx: Context, argv: readonly string[]) => Promise<number>;
