import type { Clock, Timers } from '@lounge/shared';
import type { Logger } from 'pino';
import type { HidBackend, HidBinding } from './hid-binding.ts';
import type { ScannerEvents } from './port.ts';
import type { ReconnectOptions } from './reconnect.ts';

/** What `createScanner` needs from the agent. Everything with a side effect is injected. */
export interface ScannerDeps {
  events: ScannerEvents;
  log: Logger;
  clock: Clock;
  /** The stream the `stdin` driver reads; default `process.stdin`. */
  stdin?: NodeJS.ReadableStream;
  /** A node-hid stand-in (tests); default: node-hid, loaded lazily. */
  hid?: HidBinding;
  /** How node-hid gets loaded (tests simulate a missing libusb); default `loadNodeHid`. */
  loadHid?: (backend: HidBackend) => Promise<HidBinding>;
  /** Backend when node-hid is loaded here; `createScanners` picks one for all HID scanners. */
  hidBackend?: HidBackend;
  /** Reconnect backoff in ms; default 1 s doubling to 5 s. */
  reconnectMs?: ReconnectOptions;
  /** Reconnect and keyboard-idle timers; default the global ones. */
  timers?: Timers;
  random?: () => number;
}
