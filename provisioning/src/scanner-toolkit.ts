import type { Scanner, ScannerEvents } from '../../edge-agent/src/scanners/port.ts';
import type { ScannerConfig } from './edge-config.ts';
import { CliError } from './errors.ts';

/** A HID interface as the CLI shows it. */
export interface HidDeviceInfo {
  vendorId: number;
  productId: number;
  usagePage?: number;
  usage?: number;
  path?: string;
  product?: string;
  manufacturer?: string;
}

/** A serial port as the CLI shows it. */
export interface SerialPortInfo {
  path: string;
  manufacturer?: string;
  vendorId?: number;
  productId?: number;
}

export interface ScannerLog {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

/** The port onto the edge agent's scanner module (edge-agent/src/scanners/index.ts). */
export interface ScannerToolkit {
  listHidDevices(): Promise<HidDeviceInfo[]>;
  listSerialPorts(): Promise<SerialPortInfo[]>;
  createScanner(
    config: ScannerConfig,
    deps: { events: ScannerEvents; log: ScannerLog; clock: { now(): number } },
  ): Scanner;
}

/** The driver a technician should configure for a device, from its HID usage page. */
export function suggestHidDriver(d: Pick<HidDeviceInfo, 'usagePage' | 'usage'>): string {
  if (d.usagePage === 0x8c) return 'hid-pos'; // HID POS barcode scanner usage page
  if (d.usagePage === 0x01 && d.usage === 0x06) return 'hid-keyboard'; // generic desktop keyboard
  return 'unknown';
}

/** USB ids arrive as numbers (node-hid) or hex strings (serialport). */
export function toUsbId(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && /^(0x)?[0-9a-f]{1,4}$/i.test(value)) {
    return Number.parseInt(value.replace(/^0x/i, ''), 16);
  }
  return undefined;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

/** Reads whatever shape the driver module returns into ours. */
export function normalizeHid(raw: Record<string, unknown>): HidDeviceInfo | undefined {
  const vendorId = toUsbId(raw.vendorId);
  const productId = toUsbId(raw.productId);
  if (vendorId === undefined || productId === undefined) return undefined;
  return {
    vendorId,
    productId,
    usagePage: num(raw.usagePage),
    usage: num(raw.usage),
    path: str(raw.path),
    product: str(raw.product),
    manufacturer: str(raw.manufacturer),
  };
}

export function normalizeSerial(raw: Record<string, unknown>): SerialPortInfo | undefined {
  const path = str(raw.path);
  if (!path) return undefined;
  return {
    path,
    manufacturer: str(raw.manufacturer),
    vendorId: toUsbId(raw.vendorId),
    productId: toUsbId(raw.productId),
  };
}

type Loose = Record<string, unknown>;
type RawModule = {
  listHidDevices?: () => Promise<Loose[]> | Loose[];
  listSerialPorts?: () => Promise<Loose[]> | Loose[];
  createScanner?: ScannerToolkit['createScanner'];
};

// A variable specifier: the module belongs to the edge agent and is loaded only when needed.
const SCANNERS_MODULE = '../../edge-agent/src/scanners/index.ts';

/** Loads the edge agent's scanner drivers; a missing native library is one sentence. */
export async function loadScannerToolkit(): Promise<ScannerToolkit> {
  let mod: RawModule;
  try {
    mod = (await import(SCANNERS_MODULE)) as RawModule;
  } catch (err) {
    const why = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new CliError(`Cannot load the scanner drivers (${why}).`, { code: 'NO_DRIVERS' });
  }
  const { listHidDevices, listSerialPorts, createScanner } = mod;
  if (!listHidDevices || !listSerialPorts || !createScanner) {
    throw new CliError('The installed edge agent has no scanner listing; update it.', {
      code: 'NO_DRIVERS',
    });
  }
  return {
    listHidDevices: async () => (await listHidDevices()).flatMap((d) => normalizeHid(d) ?? []),
    listSerialPorts: async () => (await listSerialPorts()).flatMap((p) => normalizeSerial(p) ?? []),
    createScanner,
  };
}
