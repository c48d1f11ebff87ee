import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { ManualClock, ManualTimers } from '@lounge/shared';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import {
  HidUnavailableError,
  createScanner,
  createScanners,
  encodeKeystrokes,
  listHidDevices,
  type HidBackend,
  type HidBinding,
  type HidDeviceInfo,
  type Scan,
  type ScannerDeps,
  type ScannerDrop,
  type ScannerHealth,
} from '../../src/scanners/index.ts';
import { hidUnavailable, loadNodeHid } from '../../src/scanners/hid-binding.ts';

/** A node-hid stand-in: tests plug and unplug devices and push reports at the binding boundary. */
class FakeDevice extends EventEmitter {
  closed = false;
  constructor(readonly path: string) {
    super();
  }
  report(bytes: Uint8Array): void {
    this.emit('data', Buffer.from(bytes));
  }
  close(): void {
    this.closed = true;
    this.removeAllListeners();
  }
}

class FakeHid implements HidBinding {
  present: HidDeviceInfo[] = [];
  opened: FakeDevice[] = [];
  listCalls = 0;
  openError: Error | null = null;
  constructor(readonly backend: HidBackend = 'libusb') {}
  async devices(): Promise<HidDeviceInfo[]> {
    this.listCalls++;
    return this.present.map((d) => ({ ...d }));
  }
  async open(path: string): Promise<FakeDevice> {
    if (this.openError) throw this.openError;
    const device = new FakeDevice(path);
    this.opened.push(device);
    return device;
  }
  last(): FakeDevice {
    return this.opened.at(-1)!;
  }
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await tick();
  expect(condition()).toBe(true);
}

function harness(hid: FakeHid | null, extra: Partial<ScannerDeps> = {}) {
  const scans: Scan[] = [];
  const statuses: ScannerHealth[] = [];
  const drops: ScannerDrop[] = [];
  const clock = new ManualClock();
  const timers = new ManualTimers(clock);
  const deps: ScannerDeps = {
    events: {
      onScan: (s) => scans.push(s),
      onStatus: (h) => statuses.push(h),
      onDropped: (d) => drops.push(d),
    },
    log: pino({ level: 'silent' }),
    clock,
    timers,
    random: () => 0.5,
    reconnectMs: { base: 1000, max: 4000 },
    ...(hid ? { hid } : {}),
    ...extra,
  };
  return { scans, statuses, drops, timers, clock, deps };
}

const fixture = (name: string): { reports: string[]; codes: string[] } =>
  JSON.parse(readFileSync(new URL(`../fixtures/hid/${name}`, import.meta.url), 'utf8'));
const bytes = (hex: string): Uint8Array =>
  Uint8Array.from(Buffer.from(hex.replace(/ /g, ''), 'hex'));
const text = (scan: Scan): string =>
  typeof scan.code === 'string' ? scan.code : Buffer.from(scan.code).toString('latin1');

const POS = { vendorId: 0x0c2e, productId: 0x0b61 };
const posConfig = { id: 'gate1', type: 'hid-pos' as const, ...POS };

describe('hid-pos driver over a fake node-hid', () => {
  it('connects, decodes reports, survives unplug and finds the replugged scanner by polling', async () => {
    const hid = new FakeHid('hidraw');
    const h = harness(hid);
    const scanner = createScanner(posConfig, h.deps);
    scanner.start();
    await until(() => h.timers.pending() === 1);
    expect(scanner.health()).toMatchObject({ status: 'disconnected', type: 'hid-pos' });

    // Plugged in: the next poll finds and opens the POS interface, not the keyboard one.
    hid.present = [
      { ...POS, path: '/dev/hidraw3', usagePage: 0x01, usage: 0x06 },
      { ...POS, path: '/dev/hidraw4', usagePage: 0x8c, usage: 0x02, product: 'Xenon 1950g' },
    ];
    h.timers.advance(1000);
    await until(() => scanner.health().status === 'connected');
    expect(hid.last().path).toBe('/dev/hidraw4');

    const token = fixture('numbered-multi-token.json');
    for (const hex of token.reports) hid.last().report(bytes(hex));
    expect(h.scans.map(text)).toEqual(token.codes);
    expect(h.scans[0]).toMatchObject({ scannerId: 'gate1', receivedAt: h.clock.now() });
    expect(h.scans[0]!.code).toBeInstanceOf(Uint8Array);

    // Unplugged: the read fails, the handle is closed, polling resumes.
    const first = hid.last();
    hid.present = [];
    first.emit('error', new Error('could not read from HID device'));
    await until(() => first.closed && h.timers.pending() === 1);
    expect(scanner.health().status).toBe('disconnected');
    h.timers.advance(1000);
    await tick();
    expect(scanner.health().status).toBe('disconnected');

    // Replugged under a new hidraw node.
    hid.present = [{ ...POS, path: '/dev/hidraw5', usagePage: 0x8c, usage: 0x02 }];
    h.timers.advance(4000);
    await until(() => scanner.health().status === 'connected');
    expect(hid.opened).toHaveLength(2);
    // Garbage first: counted as dropped, never thrown; the code after it still reads.
    const garbage = fixture('garbage-then-code.json');
    for (const hex of garbage.reports) hid.last().report(bytes(hex));
    expect(h.scans.map(text)).toEqual([...token.codes, ...garbage.codes]);
    expect(h.drops.length).toBeGreaterThanOrEqual(3);
    expect(new Set(h.drops.map((d) => d.reason))).toEqual(new Set(['unreadable']));
    // Each change is reported once (a new detail counts as a change); collapse repeats.
    const sequence = h.statuses.map((s) => s.status).filter((s, i, all) => s !== all[i - 1]);
    expect(sequence).toEqual(['disconnected', 'connected', 'disconnected', 'connected']);
    expect(h.statuses.some((s) => /read failed/.test(s.detail ?? ''))).toBe(true);

    await scanner.stop();
    expect(hid.last().closed).toBe(true);
    expect(h.timers.pending()).toBe(0);
  });

  it('goes to error with a hint when the device cannot be opened, and keeps retrying', async () => {
    const hid = new FakeHid('hidraw');
    hid.present = [{ ...POS, path: '/dev/hidraw4', usagePage: 0x8c }];
    hid.openError = new Error('Permission denied');
    const h = harness(hid);
    const scanner = createScanner(posConfig, h.deps);
    scanner.start();
    await until(() => scanner.health().status === 'error');
    expect(scanner.health().detail).toMatch(/Permission denied.*udev/);
    hid.openError = null;
    h.timers.advance(1000);
    await until(() => scanner.health().status === 'connected');
    await scanner.stop();
  });

  it('stop() during an open in flight closes the device it was opening', async () => {
    const hid = new FakeHid('hidraw');
    hid.present = [{ ...POS, path: '/dev/hidraw4', usagePage: 0x8c }];
    let release = (): void => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const open = hid.open.bind(hid);
    hid.open = async (path) => {
      await gate;
      return open(path);
    };
    const h = harness(hid);
    const scanner = createScanner(posConfig, h.deps);
    scanner.start();
    await until(() => hid.listCalls === 1);
    const stopped = scanner.stop();
    release();
    await stopped;
    expect(hid.opened).toHaveLength(1);
    expect(hid.last().closed).toBe(true);
    expect(scanner.health().status).toBe('disconnected');
    expect(h.timers.pending()).toBe(0);
  });

  it('turns a missing libusb into status error with one clear line, without throwing', async () => {
    const h = harness(null, {
      loadHid: (backend) =>
        loadNodeHid(backend, async () => {
          throw new Error(
            'libusb-1.0.so.0: cannot open shared object file: No such file or directory',
          );
        }),
    });
    const scanner = createScanner(posConfig, h.deps);
    expect(() => scanner.start()).not.toThrow();
    await until(() => scanner.health().status === 'error');
    expect(scanner.health().detail).toBe(
      'node-hid could not load libusb-1.0 (apt-get install libusb-1.0-0)',
    );
    expect(h.timers.pending()).toBe(0);
    await scanner.stop();
  });
});

describe('hid-keyboard driver over a fake node-hid', () => {
  const KBD = { vendorId: 0x05e0, productId: 0x1200 };
  const config = { id: 'gate2', type: 'hid-keyboard' as const, layout: 'es' as const, ...KBD };

  it('decodes an es keyboard-wedge scan ended by Enter, and one ended by the 100 ms idle gap', async () => {
    const hid = new FakeHid('libusb');
    hid.present = [{ ...KBD, path: '0001:0007:00' }];
    const h = harness(hid);
    const scanner = createScanner(config, h.deps);
    scanner.start();
    await until(() => scanner.health().status === 'connected');
    expect(scanner.health().detail).not.toMatch(/hidraw/);

    for (const report of encodeKeystrokes('eyJh.x_Y-9', 'es')) hid.last().report(report);
    expect(h.scans.map(text)).toEqual(['eyJh.x_Y-9']);

    for (const report of encodeKeystrokes('no-suffix_1.2', 'es', { suffix: 'none' })) {
      hid.last().report(report);
    }
    expect(h.scans).toHaveLength(1);
    h.timers.advance(99);
    expect(h.scans).toHaveLength(1);
    h.timers.advance(1);
    expect(h.scans.map(text)).toEqual(['eyJh.x_Y-9', 'no-suffix_1.2']);
    await scanner.stop();
  });

  it('says how to fix it when libusb cannot claim the keyboard scanner', async () => {
    const hid = new FakeHid('libusb');
    hid.present = [{ ...KBD, path: '0001:0007:00' }];
    hid.openError = new Error('Access denied (insufficient permissions)');
    const h = harness(hid);
    const scanner = createScanner(config, h.deps);
    scanner.start();
    await until(() => scanner.health().status === 'error');
    expect(scanner.health().detail).toMatch(/udev rule/);
    expect(scanner.health().detail).toMatch(/switch the scanner to HID POS or serial mode/);
    await scanner.stop();
  });

  it('warns in its status when node-hid was loaded with hidraw', async () => {
    const hid = new FakeHid('hidraw');
    hid.present = [{ ...KBD, path: '/dev/hidraw1', usagePage: 1, usage: 6 }];
    const h = harness(hid);
    const scanner = createScanner(config, h.deps);
    scanner.start();
    await until(() => scanner.health().status === 'connected');
    expect(scanner.health().detail).toMatch(/keystrokes also reach the console/);
    await scanner.stop();
  });

  it('createScanners loads node-hid with libusb when a keyboard scanner is configured', async () => {
    const asked: HidBackend[] = [];
    const hid = new FakeHid('libusb');
    const h = harness(null, {
      loadHid: async (backend) => {
        asked.push(backend);
        return hid;
      },
    });
    const scanners = createScanners([posConfig, config], h.deps);
    for (const s of scanners) s.start();
    await until(() => asked.length === 2);
    expect(asked).toEqual(['libusb', 'libusb']);
    await Promise.all(scanners.map((s) => s.stop()));
  });
});

describe('node-hid loading and listing', () => {
  it('names the missing package or library in one line', () => {
    expect(
      hidUnavailable(new Error("Cannot find package 'node-hid' imported from x")).message,
    ).toMatch(/not installed/);
    expect(hidUnavailable(new Error('boom\n  at stack')).message).toBe(
      'node-hid could not be loaded: boom',
    );
    expect(hidUnavailable(new Error('x'))).toBeInstanceOf(HidUnavailableError);
  });

  it('lists HID interfaces with the driver each suggests, POS first', async () => {
    const hid = new FakeHid('hidraw');
    hid.present = [
      {
        vendorId: 1,
        productId: 2,
        path: '/dev/hidraw0',
        usagePage: 0x01,
        usage: 0x02,
        product: 'Mouse',
      },
      { vendorId: 0x05e0, productId: 0x1200, path: '/dev/hidraw1', usagePage: 0x01, usage: 0x06 },
      { vendorId: 0x0c2e, productId: 0x0b61, path: '/dev/hidraw2', usagePage: 0x8c, usage: 0x02 },
    ];
    const list = await listHidDevices(hid);
    expect(list.map((d) => [d.path, d.suggestedDriver])).toEqual([
      ['/dev/hidraw2', 'hid-pos'],
      ['/dev/hidraw1', 'hid-keyboard'],
      ['/dev/hidraw0', null],
    ]);
  });

  it('loads the real node-hid on this machine', async () => {
    const binding = await loadNodeHid('hidraw');
    expect(Array.isArray(await binding.devices())).toBe(true);
  });
});
