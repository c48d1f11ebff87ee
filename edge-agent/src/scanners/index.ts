import type { ScannerConfig } from './config.ts';
import type { ScannerDeps } from './driver-deps.ts';
import { createHidKeyboardScanner } from './hid-keyboard-scanner.ts';
import { createHidPosScanner } from './hid-pos-scanner.ts';
import type { Scanner } from './port.ts';
import { createSerialScanner } from './serial-scanner.ts';
import { createStdinScanner } from './stdin-scanner.ts';
import { hidBackendFor } from './hid-binding.ts';

/** Builds the driver for one configured scanner. Nothing is opened until `start()`. */
export function createScanner(config: ScannerConfig, deps: ScannerDeps): Scanner {
  switch (config.type) {
    case 'serial':
      return createSerialScanner(config, deps);
    case 'hid-pos':
      return createHidPosScanner(config, deps);
    case 'hid-keyboard':
      return createHidKeyboardScanner(config, deps);
    case 'stdin':
      return createStdinScanner(config, deps);
  }
}

/**
 * Builds every configured scanner. node-hid loads one backend per process, so when any
 * keyboard-wedge scanner is configured all HID scanners use libusb (which keeps its
 * keystrokes off the console); otherwise hidraw.
 */
export function createScanners(configs: readonly ScannerConfig[], deps: ScannerDeps): Scanner[] {
  const hidBackend = deps.hidBackend ?? hidBackendFor(configs);
  return configs.map((config) => createScanner(config, { ...deps, hidBackend }));
}

export { scannerConfigSchema } from './config.ts';
export type {
  HidKeyboardScannerConfig,
  HidPosScannerConfig,
  ScannerConfig,
  SerialScannerConfig,
} from './config.ts';
export type {
  Scan,
  Scanner,
  ScannerDrop,
  ScannerEvents,
  ScannerHealth,
  ScannerStatus,
} from './port.ts';
export type { ScannerDeps } from './driver-deps.ts';
export { HidUnavailableError, hidBackendFor, loadNodeHid } from './hid-binding.ts';
export type { HidBackend, HidBinding, HidDevice, HidDeviceInfo } from './hid-binding.ts';
export { listHidDevices, suggestHidDriver } from './list-hid.ts';
export type { HidDeviceSummary } from './list-hid.ts';
export { listSerialPorts } from './list-serial.ts';
export type { SerialPortSummary } from './list-serial.ts';
export { encodeKeystrokes } from './keyboard-encoder.ts';
export type { KeyboardLayoutName } from './keyboard-layouts.ts';
export type { ReconnectOptions } from './reconnect.ts';
