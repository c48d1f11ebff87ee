import type {
  HidDeviceSummary,
  Scanner,
  ScannerConfig,
  ScannerDeps,
  SerialPortSummary,
} from '@lounge/edge-agent/scanners';
import type * as ScannersModule from '@lounge/edge-agent/scanners';
import { CliError } from './errors.ts';

export type { HidDeviceSummary, SerialPortSummary };

/** The port onto the edge agent's scanner drivers: the CLI lists and opens what the agent would. */
export interface ScannerToolkit {
  listHidDevices(): Promise<HidDeviceSummary[]>;
  listSerialPorts(): Promise<SerialPortSummary[]>;
  /** One driver, with the HID backend the agent would choose for it. */
  createScanner(config: ScannerConfig, deps: ScannerDeps): Scanner;
}

/**
 * Loads the agent's scanner module on demand: only `scanners`, `test-scan` and `doctor` need
 * it, and node-hid (libusb) loads later still, only when a HID device is touched.
 */
export async function loadScannerToolkit(): Promise<ScannerToolkit> {
  let mod: typeof ScannersModule;
  try {
    mod = await import('@lounge/edge-agent/scanners');
  } catch (err) {
    const why = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new CliError(`Cannot load the scanner drivers (${why}).`, { code: 'NO_DRIVERS' });
  }
  return {
    listHidDevices: () => mod.listHidDevices(),
    listSerialPorts: () => mod.listSerialPorts(),
    createScanner: (config, deps) => mod.createScanners([config], deps)[0]!,
  };
}
