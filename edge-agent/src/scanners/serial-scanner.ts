import { systemTimers } from '@lounge/shared';
import type { SerialPort } from 'serialport';
import type { SerialScannerConfig } from './config.ts';
import type { ScannerDeps } from './driver-deps.ts';
import type { Scanner } from './port.ts';
import { DEFAULT_RECONNECT, RetryTimer } from './reconnect.ts';
import { SerialFramer } from './serial-framer.ts';
import { StatusReporter, reportDrop } from './status.ts';

type SerialPortClass = typeof SerialPort;
let serialPortClass: Promise<SerialPortClass> | null = null;

/** serialport loads a native binding: only when a serial scanner is configured. */
function loadSerialPort(): Promise<SerialPortClass> {
  serialPortClass ??= import('serialport').then((mod) => mod.SerialPort);
  return serialPortClass;
}

const openFailure = (err: Error & { code?: string }, path: string): string => {
  if (/EACCES|Permission denied/i.test(err.message)) {
    return `permission denied on ${path}: add the agent's user to group dialout or install the udev rule (lounge-provision udev-rules)`;
  }
  if (/ENOENT|No such file/i.test(err.message)) return `${path} is not present (unplugged?)`;
  return `cannot open ${path}: ${err.message}`;
};

/**
 * An RS-232 / USB-serial (CDC-ACM) scanner. Frames codes with `SerialFramer`, and after an
 * unplug reopens the same path with backoff, only once the old port has finished closing
 * (serialport locks the device: a reopen before the close completes fails).
 */
export function createSerialScanner(config: SerialScannerConfig, deps: ScannerDeps): Scanner {
  const { log, clock, events } = deps;
  const status = new StatusReporter(config.id, 'serial', events, log);
  const retry = new RetryTimer(
    deps.timers ?? systemTimers,
    deps.reconnectMs ?? DEFAULT_RECONNECT,
    deps.random,
  );
  const framer = new SerialFramer({ suffix: config.suffix });
  let port: SerialPort | null = null;
  let started = false;
  let stopped = false;
  let droppedTotal = 0;

  const onData = (chunk: Buffer): void => {
    const out = framer.push(chunk);
    for (let i = 0; i < out.dropped; i++) {
      droppedTotal++;
      const detail = `frame over 4 KiB dropped (${droppedTotal} since start)`;
      reportDrop(deps, { scannerId: config.id, reason: 'oversized', detail });
    }
    for (const code of out.frames) {
      try {
        events.onScan({ scannerId: config.id, code, receivedAt: clock.now() });
      } catch (err) {
        log.error({ err, scanner: config.id }, 'scan listener threw');
      }
    }
  };

  const open = async (): Promise<void> => {
    if (stopped) return;
    let SerialPortCtor: SerialPortClass;
    try {
      SerialPortCtor = await loadSerialPort();
    } catch (err) {
      status.set('error', `serialport could not be loaded: ${(err as Error).message}`);
      return;
    }
    const candidate = new SerialPortCtor({
      path: config.path,
      baudRate: config.baudRate,
      autoOpen: false,
    });
    candidate.on('error', (err) => log.warn({ err, scanner: config.id }, 'serial port error'));
    const error = await new Promise<Error | null>((resolve) => candidate.open(resolve));
    if (stopped) {
      if (!error) await new Promise((resolve) => candidate.close(resolve));
      return;
    }
    if (error) {
      const detail = openFailure(error, config.path);
      status.set(/permission denied/.test(detail) ? 'error' : 'disconnected', detail);
      retry.schedule(run);
      return;
    }
    port = candidate;
    framer.reset();
    retry.succeeded();
    candidate.on('data', onData);
    // 'close' fires once the descriptor is released: the only safe moment to reopen.
    candidate.on('close', (err: (Error & { disconnected?: boolean }) | null) => {
      if (port === candidate) port = null;
      framer.reset();
      if (stopped) return;
      status.set(
        'disconnected',
        err?.disconnected ? `${config.path} unplugged` : `${config.path} closed`,
      );
      retry.schedule(run);
    });
    status.set('connected', `${config.path} at ${config.baudRate} baud`);
  };

  let attempt: Promise<void> = Promise.resolve();
  function run(): void {
    attempt = open().catch((err: unknown) => {
      log.error({ err, scanner: config.id }, 'serial scanner failed');
      status.set('error', String(err));
      retry.schedule(run);
    });
  }

  return {
    id: config.id,
    type: 'serial',
    start() {
      if (started) return;
      started = true;
      status.set('disconnected', `opening ${config.path}`);
      run();
    },
    async stop() {
      stopped = true;
      retry.stop();
      await attempt; // an open in flight closes what it opened
      const current = port;
      port = null;
      if (current?.isOpen) {
        await new Promise<void>((resolve) => current.close(() => resolve()));
      }
      status.set('disconnected', 'stopped');
    },
    health: () => status.health(),
  };
}
