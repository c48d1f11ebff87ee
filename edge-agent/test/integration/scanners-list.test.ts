import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listSerialPorts } from '../../src/scanners/index.ts';

describe('listSerialPorts', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'scanners-list-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('falls back to /dev and /dev/serial/by-id when udevadm is missing, with sysfs ids', async () => {
    const dev = join(root, 'dev');
    const sys = join(root, 'sys');
    await mkdir(join(dev, 'serial/by-id'), { recursive: true });
    await writeFile(join(dev, 'ttyACM0'), '');
    await writeFile(join(dev, 'ttyUSB1'), '');
    await writeFile(join(dev, 'ttyS0'), ''); // a built-in UART: not listed without serialport
    await symlink('../../ttyACM0', join(dev, 'serial/by-id/usb-Honeywell_Xenon_1950g-if00'));
    // sysfs: /sys/class/tty/ttyACM0/device -> .../1-1:1.0, whose parent holds idVendor.
    const usb = join(sys, 'devices/usb1/1-1');
    await mkdir(join(usb, '1-1:1.0'), { recursive: true });
    await writeFile(join(usb, 'idVendor'), '0c2e\n');
    await writeFile(join(usb, 'idProduct'), '0b61\n');
    await mkdir(join(sys, 'class/tty/ttyACM0'), { recursive: true });
    await symlink(join(usb, '1-1:1.0'), join(sys, 'class/tty/ttyACM0/device'));

    const udevadmMissing = async (): Promise<never> => {
      throw new Error('spawn udevadm ENOENT');
    };
    const ports = await listSerialPorts({ devDir: dev, sysDir: sys, list: udevadmMissing });
    expect(ports).toEqual([
      {
        path: join(dev, 'ttyACM0'),
        byId: [join(dev, 'serial/by-id/usb-Honeywell_Xenon_1950g-if00')],
        vendorId: '0c2e',
        productId: '0b61',
        manufacturer: null,
        serialNumber: null,
        onboard: false,
      },
      {
        path: join(dev, 'ttyUSB1'),
        byId: [],
        vendorId: null,
        productId: null,
        manufacturer: null,
        serialNumber: null,
        onboard: false,
      },
    ]);
  });

  it('marks onboard UARTs (ttyS* without a USB parent), not USB serial adapters', async () => {
    const dev = join(root, 'dev');
    const sys = join(root, 'sys');
    await mkdir(dev, { recursive: true });
    for (const name of ['ttyS0', 'ttyS4', 'ttyUSB0']) await writeFile(join(dev, name), '');
    // ttyS4 sits under a USB device (a USB-serial bridge named ttyS by its driver).
    const usb = join(sys, 'devices/usb1/1-2');
    await mkdir(join(usb, '1-2:1.0'), { recursive: true });
    await writeFile(join(usb, 'idVendor'), '067b\n');
    await mkdir(join(sys, 'class/tty/ttyS4'), { recursive: true });
    await symlink(join(usb, '1-2:1.0'), join(sys, 'class/tty/ttyS4/device'));
    // serialport (udevadm) lists the kernel's UARTs whether or not anything is wired.
    const list = async () => ['ttyS0', 'ttyS4', 'ttyUSB0'].map((n) => ({ path: join(dev, n) }));
    const ports = await listSerialPorts({ devDir: dev, sysDir: sys, list });
    expect(ports.map((p) => [p.path.slice(dev.length + 1), p.onboard])).toEqual([
      ['ttyS0', true],
      ['ttyS4', false],
      ['ttyUSB0', false],
    ]);
  });

  it('never throws on this machine (real serialport, no udevadm)', async () => {
    await expect(listSerialPorts()).resolves.toBeInstanceOf(Array);
  });
});
