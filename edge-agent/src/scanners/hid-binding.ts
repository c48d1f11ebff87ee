/**
 * The node-hid boundary. Drivers use only this small interface, so tests inject reports here
 * and node-hid (a native module that needs libusb-1.0) loads only when a HID scanner is
 * configured (SPEC.md section 2).
 */

/** One HID interface as node-hid enumerates it. */
export interface HidDeviceInfo {
  vendorId: number;
  productId: number;
  path?: string;
  usagePage?: number;
  usage?: number;
  product?: string;
  manufacturer?: string;
  serialNumber?: string;
  interface?: number;
}

/** An open device: reports arrive as asynchronous 'data' events (never a blocking read). */
export interface HidDevice {
  on(event: 'data', listener: (report: Uint8Array) => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  close(): Promise<void> | void;
}

/**
 * hidapi's two Linux backends: `hidraw` goes through the kernel HID driver (keystrokes of a
 * keyboard-wedge scanner also reach the console); `libusb` claims the USB interface and
 * detaches the kernel driver, so the keystrokes reach only us.
 */
export type HidBackend = 'hidraw' | 'libusb';

/**
 * The backend an agent with these scanners loads: libusb when any keyboard-wedge scanner is
 * configured (to keep its keystrokes off the console; POS scanners work through it too).
 */
export function hidBackendFor(configs: ReadonlyArray<{ type: string }>): HidBackend {
  return configs.some((c) => c.type === 'hid-keyboard') ? 'libusb' : 'hidraw';
}

export interface HidBinding {
  /** The backend in use; one per process (node-hid loads one native library). */
  readonly backend: HidBackend;
  devices(): Promise<HidDeviceInfo[]>;
  open(path: string): Promise<HidDevice>;
}

/** node-hid could not be loaded; `message` is the one line to show. */
export class HidUnavailableError extends Error {
  readonly code = 'HID_UNAVAILABLE';
}

/** The parts of the node-hid module used here. */
interface NodeHidModule {
  setDriverType(type: HidBackend): void;
  devicesAsync(): Promise<HidDeviceInfo[]>;
  HIDAsync: { open(path: string): Promise<HidDevice> };
}

export type ModuleImporter = (specifier: string) => Promise<unknown>;

let loaded: Promise<HidBinding> | null = null;

/**
 * Loads node-hid once per process with the given backend (later calls get the first binding,
 * whatever they ask for: node-hid cannot switch). Rejects with `HidUnavailableError` when the
 * module or libusb-1.0 is missing.
 */
export function loadNodeHid(
  backend: HidBackend = 'hidraw',
  importer: ModuleImporter = (specifier) => import(specifier),
): Promise<HidBinding> {
  loaded ??= load(backend, importer).catch((err: unknown) => {
    loaded = null; // let a later call try again (e.g. after apt-get install)
    throw err;
  });
  return loaded;
}

async function load(backend: HidBackend, importer: ModuleImporter): Promise<HidBinding> {
  let hid: NodeHidModule;
  try {
    const mod = (await importer('node-hid')) as { default?: NodeHidModule } & NodeHidModule;
    hid = mod.default ?? mod;
  } catch (err) {
    throw hidUnavailable(err);
  }
  if (process.platform === 'linux') hid.setDriverType(backend);
  try {
    // node-hid loads its native library on first use: make that happen here, not mid-scan.
    await hid.devicesAsync();
  } catch (err) {
    throw hidUnavailable(err);
  }
  return {
    backend: process.platform === 'linux' ? backend : 'hidraw',
    devices: () => hid.devicesAsync(),
    open: (path) => hid.HIDAsync.open(path),
  };
}

/** Turns a load failure into the one clear line a technician can act on. */
export function hidUnavailable(err: unknown): HidUnavailableError {
  const message = err instanceof Error ? err.message : String(err);
  if (/libusb/i.test(message)) {
    return new HidUnavailableError(
      'node-hid could not load libusb-1.0 (apt-get install libusb-1.0-0)',
    );
  }
  if (/Cannot find (module|package) 'node-hid'/.test(message)) {
    return new HidUnavailableError('node-hid is not installed (run npm ci in the agent folder)');
  }
  return new HidUnavailableError(`node-hid could not be loaded: ${message.split('\n')[0]}`);
}
