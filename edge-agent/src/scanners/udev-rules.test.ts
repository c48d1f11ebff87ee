import { describe, expect, it } from 'vitest';
import type { ScannerConfig } from './config.ts';
import { udevRules } from './udev-rules.ts';

const pos: ScannerConfig = { id: 'gate1', type: 'hid-pos', vendorId: 0x0c2e, productId: 0x0b61 };
const kbd: ScannerConfig = {
  id: 'gate2',
  type: 'hid-keyboard',
  vendorId: 0x05e0,
  productId: 0x1200,
  layout: 'es',
};
const serial: ScannerConfig = {
  id: 'gate3',
  type: 'serial',
  path: '/dev/serial/by-id/usb-x',
  baudRate: 9600,
  suffix: 'cr',
};

describe('udevRules', () => {
  it('grants the hidraw node when no keyboard scanner forces libusb', () => {
    const text = udevRules([pos, serial, { id: 'c', type: 'stdin' }], { group: 'lounge-edge' });
    expect(text).toContain(
      'SUBSYSTEM=="hidraw", ATTRS{idVendor}=="0c2e", ATTRS{idProduct}=="0b61", MODE="0660", GROUP="lounge-edge"',
    );
    expect(text).toContain('SUBSYSTEM=="tty", KERNEL=="ttyUSB[0-9]*|ttyACM[0-9]*", MODE="0660"');
    expect(text).not.toContain('SUBSYSTEM=="usb"');
  });

  it('grants USB device nodes to every HID scanner once a keyboard scanner is configured', () => {
    const text = udevRules([pos, kbd, serial], {
      group: 'edge',
      serialIds: { gate3: { vendorId: '0C2E', productId: '0b6a' } },
    });
    expect(text).toContain('SUBSYSTEM=="usb", ATTR{idVendor}=="0c2e", ATTR{idProduct}=="0b61"');
    expect(text).toContain('SUBSYSTEM=="usb", ATTR{idVendor}=="05e0", ATTR{idProduct}=="1200"');
    expect(text).toContain('SUBSYSTEM=="tty", ATTRS{idVendor}=="0c2e", ATTRS{idProduct}=="0b6a"');
    expect(text).not.toContain('hidraw');
  });
});
