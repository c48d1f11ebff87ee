import { readFile, readdir, realpath } from 'node:fs/promises';
import { basename, join } from 'node:path';

/** One serial port, as `lounge-provision scanners` shows it. */
export interface SerialPortSummary {
  /** The device node, e.g. /dev/ttyACM0 (changes with plug order). */
  path: string;
  /** Stable links to it in /dev/serial/by-id: configure one of these. */
  byId: string[];
  vendorId: string | null;
  productId: string | null;
  manufacturer: string | null;
  serialNumber: string | null;
  /**
   * An onboard UART (`/dev/ttyS*` with no USB parent): the PC's own serial port, listed by
   * the kernel whether or not anything is wired to it, so unlikely to be a scanner.
   */
  onboard: boolean;
}

export interface ListSerialOptions {
  /** serialport's `SerialPort.list()`; it runs `udevadm`, which a lounge box may not have. */
  list?: () => Promise<
    Array<{
      path: string;
      vendorId?: string;
      productId?: string;
      manufacturer?: string;
      serialNumber?: string;
    }>
  >;
  devDir?: string;
  sysDir?: string;
}

const USB_TTY = /^tty(USB|ACM)\d+$/;
const ONBOARD_TTY = /^ttyS\d+$/;

async function safe<T>(work: () => Promise<T>, fallback: T): Promise<T> {
  try {
    return await work();
  } catch {
    return fallback;
  }
}

/** Vendor/product ids from sysfs: walk up from the tty's device to the USB device. */
async function usbIds(
  sysDir: string,
  tty: string,
): Promise<Pick<SerialPortSummary, 'vendorId' | 'productId'>> {
  let dir = await safe(() => realpath(join(sysDir, 'class/tty', tty, 'device')), '');
  for (let depth = 0; dir && depth < 4; depth++, dir = join(dir, '..')) {
    const vendorId = await safe(() => readFile(join(dir, 'idVendor'), 'utf8'), '');
    if (vendorId) {
      const productId = await safe(() => readFile(join(dir, 'idProduct'), 'utf8'), '');
      return { vendorId: vendorId.trim(), productId: productId.trim() || null };
    }
  }
  return { vendorId: null, productId: null };
}

/**
 * Lists USB serial ports (ttyUSB*, ttyACM* and whatever serialport finds), each with its
 * /dev/serial/by-id links resolved. Never throws: a missing udevadm or /dev/serial only makes
 * the list shorter.
 */
export async function listSerialPorts(
  options: ListSerialOptions = {},
): Promise<SerialPortSummary[]> {
  const devDir = options.devDir ?? '/dev';
  const sysDir = options.sysDir ?? '/sys';
  const list = options.list ?? (async () => (await import('serialport')).SerialPort.list());
  const ports = new Map<string, SerialPortSummary>();
  const entry = (path: string): SerialPortSummary => {
    let port = ports.get(path);
    if (!port) {
      port = {
        path,
        byId: [],
        vendorId: null,
        productId: null,
        manufacturer: null,
        serialNumber: null,
        onboard: false,
      };
      ports.set(path, port);
    }
    return port;
  };

  for (const info of await safe(list, [])) {
    const port = entry(await safe(() => realpath(info.path), info.path));
    port.vendorId = info.vendorId ?? null;
    port.productId = info.productId ?? null;
    port.manufacturer = info.manufacturer ?? null;
    port.serialNumber = info.serialNumber ?? null;
  }
  for (const name of await safe(() => readdir(devDir), [])) {
    if (USB_TTY.test(name)) entry(join(devDir, name));
  }
  const byIdDir = join(devDir, 'serial/by-id');
  for (const link of await safe(() => readdir(byIdDir), [])) {
    const target = await safe(() => realpath(join(byIdDir, link)), '');
    if (target) entry(target).byId.push(join(byIdDir, link));
  }
  for (const port of ports.values()) {
    if (port.vendorId === null) Object.assign(port, await usbIds(sysDir, basename(port.path)));
    port.byId.sort();
    port.onboard = ONBOARD_TTY.test(basename(port.path)) && port.vendorId === null;
  }
  return [...ports.values()].sort((a, b) => a.path.localeCompare(b.path));
}
