import { systemTimers, type TimerHandle } from '@lounge/shared';
import type { HidBackend, HidBinding, HidDevice, HidDeviceInfo } from './hid-binding.ts';
import { HidUnavailableError, loadNodeHid } from './hid-binding.ts';
import type { DecodeResult } from './hid-pos-decoder.ts';
import type { Scanner } from './port.ts';
import { DEFAULT_RECONNECT, RetryTimer } from './reconnect.ts';
import { StatusReporter, reportDrop } from './status.ts';
import type { ScannerDeps } from './driver-deps.ts';

/** The part of a report decoder the HID driver drives. */
export interface ReportDecoder {
  push(report: Uint8Array, now: number): DecodeResult<Uint8Array | string>;
  pending(): boolean;
  flush?(): DecodeResult<Uint8Array | string>;
  reset(): void;
}

export interface HidScannerSpec {
  id: string;
  type: 'hid-pos' | 'hid-keyboard';
  vendorId: number;
  productId: number;
  path?: string;
  /** Ranks enumerated interfaces: higher is better, 0 means "not this one". */
  rank(device: HidDeviceInfo): number;
  decoder: ReportDecoder;
  /** After this much silence a pending code is flushed (keyboard scanners with no suffix). */
  idleFlushMs?: number;
  backend: HidBackend;
  /** Status detail when opening fails (what the technician should check). */
  openHint: string;
}

const KEYBOARD_ON_HIDRAW =
  'read through hidraw: its keystrokes also reach the console (use the libusb backend or POS mode)';

const hex4 = (n: number): string => n.toString(16).padStart(4, '0');

/**
 * A HID scanner: finds the device by vendor/product id, opens it, feeds reports to a decoder.
 * node-hid has no hot-plug events, so while the device is absent it polls `devices()` with
 * backoff; a read error (unplug) closes the handle and goes back to polling.
 */
export function createHidScanner(spec: HidScannerSpec, deps: ScannerDeps): Scanner {
  const { log, clock, events } = deps;
  const timers = deps.timers ?? systemTimers;
  const status = new StatusReporter(spec.id, spec.type, events, log);
  const retry = new RetryTimer(timers, deps.reconnectMs ?? DEFAULT_RECONNECT, deps.random);
  const ids = `${hex4(spec.vendorId)}:${hex4(spec.productId)}`;
  let binding: HidBinding | null = deps.hid ?? null;
  let device: HidDevice | null = null;
  let idle: TimerHandle | null = null;
  let started = false;
  let stopped = false;

  const emit = (out: DecodeResult<Uint8Array | string>): void => {
    for (const problem of out.problems) reportDrop(deps, { scannerId: spec.id, ...problem });
    for (const code of out.codes) {
      try {
        events.onScan({ scannerId: spec.id, code, receivedAt: clock.now() });
      } catch (err) {
        log.error({ err, scanner: spec.id }, 'scan listener threw');
      }
    }
  };

  const clearIdle = (): void => {
    if (idle !== null) timers.clearTimeout(idle);
    idle = null;
  };

  const onReport = (report: Uint8Array): void => {
    clearIdle();
    emit(spec.decoder.push(report, clock.now()));
    const { idleFlushMs } = spec;
    if (idleFlushMs !== undefined && spec.decoder.flush && spec.decoder.pending()) {
      idle = timers.setTimeout(() => {
        idle = null;
        if (spec.decoder.flush) emit(spec.decoder.flush());
      }, idleFlushMs);
    }
  };

  const lost = (err: Error): void => {
    const gone = device;
    device = null;
    clearIdle();
    spec.decoder.reset();
    status.set('disconnected', `read failed: ${err.message}`);
    // The read loop has stopped with this error, so closing cannot race a read.
    Promise.resolve()
      .then(() => gone?.close())
      .catch((closeErr: unknown) => log.debug({ err: closeErr, scanner: spec.id }, 'close failed'))
      .finally(() => retry.schedule(run));
  };

  const connect = async (): Promise<void> => {
    if (stopped) return;
    try {
      binding ??= await (deps.loadHid ?? loadNodeHid)(spec.backend);
    } catch (err) {
      // Missing libusb will not fix itself: one clear line, no retry loop.
      const message = err instanceof HidUnavailableError ? err.message : String(err);
      status.set('error', message);
      return;
    }
    let found: HidDeviceInfo | undefined;
    try {
      const candidates = (await binding.devices())
        .filter((d) => d.vendorId === spec.vendorId && d.productId === spec.productId)
        .filter((d) => spec.path === undefined || d.path === spec.path)
        .map((d) => ({ d, rank: spec.rank(d) }))
        .filter((c) => c.rank > 0 && c.d.path !== undefined)
        .sort((a, b) => b.rank - a.rank);
      found = candidates[0]?.d;
    } catch (err) {
      log.warn({ err, scanner: spec.id }, 'listing HID devices failed');
    }
    if (stopped) return;
    if (!found?.path) {
      status.set('disconnected', `no HID device ${ids}${spec.path ? ` at ${spec.path}` : ''}`);
      retry.schedule(run);
      return;
    }
    try {
      const opened = await binding.open(found.path);
      if (stopped) {
        await opened.close();
        return;
      }
      device = opened;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      status.set('error', `cannot open ${found.path}: ${message}. ${spec.openHint}`);
      retry.schedule(run);
      return;
    }
    retry.succeeded();
    spec.decoder.reset();
    const opened = device;
    opened.on('data', (report) => {
      if (device !== opened) return; // a late report from a handle we gave up
      try {
        onReport(report);
      } catch (err) {
        log.error({ err, scanner: spec.id }, 'HID report handling failed');
      }
    });
    opened.on('error', (err) => {
      if (device === opened) lost(err);
    });
    const note =
      spec.type === 'hid-keyboard' && binding.backend === 'hidraw' ? KEYBOARD_ON_HIDRAW : '';
    const name = [ids, found.product, found.path].filter(Boolean).join(' ');
    status.set('connected', note ? `${name}; ${note}` : name);
  };

  let attempt: Promise<void> = Promise.resolve();
  function run(): void {
    attempt = connect().catch((err: unknown) => {
      log.error({ err, scanner: spec.id }, 'HID scanner failed');
      status.set('error', String(err));
      retry.schedule(run);
    });
  }

  return {
    id: spec.id,
    type: spec.type,
    start() {
      if (started) return;
      started = true;
      status.set('disconnected', `looking for HID device ${ids}`);
      run();
    },
    async stop() {
      stopped = true;
      retry.stop();
      await attempt; // a connect in flight closes what it opened
      clearIdle();
      const open = device;
      device = null;
      if (open) await Promise.resolve(open.close()).catch(() => undefined);
      status.set('disconnected', 'stopped');
    },
    health: () => status.health(),
  };
}
