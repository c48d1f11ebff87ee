import type { HidPosScannerConfig } from './config.ts';
import type { ScannerDeps } from './driver-deps.ts';
import type { HidDeviceInfo } from './hid-binding.ts';
import { HidPosDecoder } from './hid-pos-decoder.ts';
import { createHidScanner } from './hid-scanner.ts';
import type { Scanner } from './port.ts';

/** HID Usage Tables: the Bar Code Scanner usage page (HID Point of Sale Usage Tables 1.02). */
export const USAGE_PAGE_BARCODE_SCANNER = 0x8c;

/** The POS interface first; an interface whose usage page is unknown (libusb) as a fallback. */
export function rankPosInterface(device: HidDeviceInfo): number {
  if (device.usagePage === USAGE_PAGE_BARCODE_SCANNER) return 2;
  return device.usagePage === undefined || device.usagePage === 0 ? 1 : 0;
}

/** A USB HID POS barcode scanner (node-hid). */
export function createHidPosScanner(config: HidPosScannerConfig, deps: ScannerDeps): Scanner {
  return createHidScanner(
    {
      id: config.id,
      type: 'hid-pos',
      vendorId: config.vendorId,
      productId: config.productId,
      path: config.path,
      rank: rankPosInterface,
      decoder: new HidPosDecoder(),
      backend: deps.hidBackend ?? 'hidraw',
      openHint: 'Check the udev rule for this scanner (lounge-provision udev-rules).',
    },
    deps,
  );
}
