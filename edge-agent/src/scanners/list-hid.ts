import type { HidBinding } from './hid-binding.ts';
import { loadNodeHid } from './hid-binding.ts';
import { USAGE_PAGE_BARCODE_SCANNER } from './hid-pos-scanner.ts';

/** One HID interface, as `lounge-provision scanners` shows it. */
export interface HidDeviceSummary {
  vendorId: number;
  productId: number;
  usagePage: number | null;
  usage: number | null;
  product: string | null;
  manufacturer: string | null;
  serialNumber: string | null;
  path: string | null;
  /** What to configure it as; null when it is neither a POS scanner nor a keyboard. */
  suggestedDriver: 'hid-pos' | 'hid-keyboard' | null;
}

/** The driver an interface suggests: usage page 0x8C → hid-pos, keyboard usage → hid-keyboard. */
export function suggestHidDriver(
  usagePage?: number,
  usage?: number,
): HidDeviceSummary['suggestedDriver'] {
  if (usagePage === USAGE_PAGE_BARCODE_SCANNER) return 'hid-pos';
  if (usagePage === 0x01 && usage === 0x06) return 'hid-keyboard';
  return null;
}

/**
 * Lists the HID interfaces present, POS scanners first. Loads node-hid (hidraw backend: it
 * reports usage pages without claiming any device); rejects with `HidUnavailableError`.
 */
export async function listHidDevices(binding?: HidBinding): Promise<HidDeviceSummary[]> {
  const hid = binding ?? (await loadNodeHid('hidraw'));
  const order = { 'hid-pos': 0, 'hid-keyboard': 1, none: 2 };
  return (await hid.devices())
    .map((d) => ({
      vendorId: d.vendorId,
      productId: d.productId,
      usagePage: d.usagePage ?? null,
      usage: d.usage ?? null,
      product: d.product || null,
      manufacturer: d.manufacturer || null,
      serialNumber: d.serialNumber || null,
      path: d.path ?? null,
      suggestedDriver: suggestHidDriver(d.usagePage, d.usage),
    }))
    .sort((a, b) => order[a.suggestedDriver ?? 'none'] - order[b.suggestedDriver ?? 'none']);
}
