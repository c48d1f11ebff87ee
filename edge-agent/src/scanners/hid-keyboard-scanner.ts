import type { HidKeyboardScannerConfig } from './config.ts';
import type { ScannerDeps } from './driver-deps.ts';
import type { HidDeviceInfo } from './hid-binding.ts';
import { createHidScanner } from './hid-scanner.ts';
import { KeyboardDecoder } from './keyboard-decoder.ts';
import type { Scanner } from './port.ts';

/** Generic Desktop page, Keyboard usage: a keyboard-wedge interface. */
const USAGE_PAGE_GENERIC_DESKTOP = 0x01;
const USAGE_KEYBOARD = 0x06;

/** Silence that ends a code when the scanner sends no suffix (SPEC.md section 8). */
export const KEYBOARD_IDLE_MS = 100;

export function rankKeyboardInterface(device: HidDeviceInfo): number {
  if (device.usagePage === USAGE_PAGE_GENERIC_DESKTOP && device.usage === USAGE_KEYBOARD) return 2;
  return device.usagePage === undefined || device.usagePage === 0 ? 1 : 0;
}

/**
 * A keyboard-wedge scanner read as HID boot reports. Opened through libusb, which detaches the
 * kernel keyboard driver, so the scanned codes are not also typed into the console.
 */
export function createHidKeyboardScanner(
  config: HidKeyboardScannerConfig,
  deps: ScannerDeps,
): Scanner {
  return createHidScanner(
    {
      id: config.id,
      type: 'hid-keyboard',
      vendorId: config.vendorId,
      productId: config.productId,
      path: config.path,
      rank: rankKeyboardInterface,
      decoder: new KeyboardDecoder({ layout: config.layout }),
      idleFlushMs: KEYBOARD_IDLE_MS,
      backend: deps.hidBackend ?? 'libusb',
      openHint:
        'Check the udev rule for its USB device node (lounge-provision udev-rules), or switch the scanner to HID POS or serial mode.',
    },
    deps,
  );
}
