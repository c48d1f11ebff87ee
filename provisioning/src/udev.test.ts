import { describe, expect, it } from 'vitest';
import { udevRules } from './udev.ts';

describe('udevRules', () => {
  it('matches HID scanners by 4-digit hex ids, on hidraw and usb nodes', () => {
    const text = udevRules([{ id: 'pos', type: 'hid-pos', vendorId: 0x5e0, productId: 0x1200 }]);
    expect(text).toContain(
      'SUBSYSTEM=="hidraw", ATTRS{idVendor}=="05e0", ATTRS{idProduct}=="1200", MODE="0660", GROUP="lounge-edge"',
    );
    expect(text).toContain('SUBSYSTEM=="usb", ATTRS{idVendor}=="05e0", ATTRS{idProduct}=="1200"');
  });

  it('matches serial scanners by kernel name or by-id link, with the chosen group', () => {
    const text = udevRules(
      [
        { id: 'a', type: 'serial', path: '/dev/ttyUSB0', baudRate: 9600, suffix: 'crlf' },
        {
          id: 'b',
          type: 'serial',
          path: '/dev/serial/by-id/usb-Honeywell-if00',
          baudRate: 9600,
          suffix: 'cr',
        },
        { id: 'c', type: 'stdin' },
      ],
      'scanners',
    );
    expect(text).toContain('SUBSYSTEM=="tty", KERNEL=="ttyUSB0", MODE="0660", GROUP="scanners"');
    expect(text).toContain(
      'SUBSYSTEM=="tty", SYMLINK=="serial/by-id/usb-Honeywell-if00", MODE="0660", GROUP="scanners"',
    );
    expect(text).toContain('# c: stdin needs no rule');
    // Every non-comment line is a rule udev can parse: KEY=="v" or KEY="v" pairs.
    for (const line of text.split('\n').filter((l) => l && !l.startsWith('#'))) {
      expect(line).toMatch(
        /^([A-Z]+(\{\w+\})?=="?[^"]*"?|[A-Z]+="[^"]*")(, ([A-Z]+(\{\w+\})?={1,2}"[^"]*"))*$/,
      );
    }
  });

  it('says so when nothing is configured', () => {
    expect(udevRules([])).toContain('# no scanners configured');
  });
});
