import { describe, expect, it } from 'vitest';
import { ManualClock } from '@lounge/shared';
import type { Context } from '../context.ts';
import type { ScannerToolkit } from '../scanner-toolkit.ts';
import { formatHid, formatSerial, run } from './scanners.ts';

const pos = {
  vendorId: 0x5e0,
  productId: 0x1200,
  usagePage: 0x8c,
  usage: 0x02,
  product: 'Symbol Bar Code Scanner',
  manufacturer: 'Zebra',
  serialNumber: null,
  path: '/dev/hidraw2',
  suggestedDriver: 'hid-pos' as const,
};
const port = {
  path: '/dev/ttyACM0',
  byId: ['/dev/serial/by-id/usb-Honeywell-if00'],
  vendorId: '0c2e',
  productId: '0b6a',
  manufacturer: 'Honeywell',
  serialNumber: null,
  onboard: false,
};

function context(toolkit: Partial<ScannerToolkit>): Context & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    fetch: () => Promise.reject(new Error('offline')),
    clock: new ManualClock(),
    env: {},
    hostname: 'box',
    scanners: async () => toolkit as ScannerToolkit,
    out: (l) => lines.push(l),
    err: (l) => lines.push(l),
  };
}

describe('scanners', () => {
  it('formats a HID interface and a serial port with the driver to configure', () => {
    expect(formatHid(pos)).toBe(
      'hid     05e0:1200  usage page 0x008c  Zebra Symbol Bar Code Scanner  → hid-pos  /dev/hidraw2',
    );
    expect(formatSerial(port)).toBe(
      'serial  /dev/ttyACM0  0c2e:0b6a  Honeywell  → serial  (stable: /dev/serial/by-id/usb-Honeywell-if00)',
    );
  });

  it('marks an onboard UART as an unlikely scanner', () => {
    const uart = { ...port, path: '/dev/ttyS0', byId: [], vendorId: null, productId: null };
    expect(formatSerial({ ...uart, manufacturer: null, onboard: true })).toBe(
      'serial  /dev/ttyS0  → unlikely a scanner (onboard UART, no USB parent)',
    );
  });

  it('still lists serial ports when HID cannot be listed, and says why in one line', async () => {
    const ctx = context({
      listHidDevices: () =>
        Promise.reject(new Error('libusb-1.0 is missing: apt-get install libusb-1.0-0')),
      listSerialPorts: async () => [port],
    });
    expect(await run(ctx, [])).toBe(0);
    expect(ctx.lines[0]).toBe(
      'cannot list HID devices: libusb-1.0 is missing: apt-get install libusb-1.0-0',
    );
    expect(ctx.lines[1]).toContain('serial  /dev/ttyACM0');
  });

  it('--json carries both lists and the errors', async () => {
    const ctx = context({ listHidDevices: async () => [pos], listSerialPorts: async () => [] });
    expect(await run(ctx, ['--json'])).toBe(0);
    expect(JSON.parse(ctx.lines[0]!)).toEqual({ hid: [pos], serial: [], errors: [] });
  });
});
