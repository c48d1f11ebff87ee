import { MOD } from './keyboard-decoder.ts';
import {
  KEYBOARD_LAYOUTS,
  USAGE_ENTER,
  USAGE_TAB,
  type KeyboardLayoutName,
} from './keyboard-layouts.ts';

export interface EncodeOptions {
  /**
   * `always`: a key-up report after every key, as most scanners send. `when-needed`: the next
   * key goes down in the report right after the last one, with a key-up only between two
   * equal keys, as fast scanners do (rollover).
   */
  releases?: 'always' | 'when-needed';
  /** Terminator typed after the text; `none` for scanners that rely on the idle gap. */
  suffix?: 'enter' | 'tab' | 'none';
}

const report = (mods: number, usage: number): Uint8Array =>
  Uint8Array.from([mods, 0, usage, 0, 0, 0, 0, 0]);

const isKeypad = (usage: number): number => (usage >= 0x54 && usage <= 0x63 ? 1 : 0);

/** Where each character sits on a layout: the simplest key+modifiers that type it. */
function reverse(layout: KeyboardLayoutName): Map<string, [usage: number, mods: number]> {
  const map = new Map<string, [number, number]>();
  // Main keys before the keypad (0x54-0x63), as scanners type.
  const keys = [...KEYBOARD_LAYOUTS[layout]].sort(([a], [b]) => isKeypad(a) - isKeypad(b) || a - b);
  for (const [usage, [plain, shift, altGr]] of keys) {
    if (!map.has(plain)) map.set(plain, [usage, 0]);
    if (!map.has(shift)) map.set(shift, [usage, MOD.leftShift]);
    if (altGr !== undefined && !map.has(altGr)) map.set(altGr, [usage, MOD.rightAlt]);
  }
  return map;
}

const reverseMaps = { us: reverse('us'), es: reverse('es') };

/**
 * Types text as a keyboard-wedge scanner would (boot reports). The inverse of
 * `KeyboardDecoder`, used by tests and by the scanner simulator; throws on a character the
 * layout cannot type.
 */
export function encodeKeystrokes(
  text: string,
  layout: KeyboardLayoutName,
  options: EncodeOptions = {},
): Uint8Array[] {
  const { releases = 'always', suffix = 'enter' } = options;
  const keys = reverseMaps[layout];
  const reports: Uint8Array[] = [];
  let last = -1;
  for (const char of text) {
    const key = keys.get(char);
    if (!key) throw new Error(`layout ${layout} cannot type ${JSON.stringify(char)}`);
    const [usage, mods] = key;
    if (releases === 'when-needed' && usage === last) reports.push(report(0, 0));
    reports.push(report(mods, usage));
    if (releases === 'always') reports.push(report(0, 0));
    last = usage;
  }
  if (suffix !== 'none') {
    const usage = suffix === 'enter' ? USAGE_ENTER : USAGE_TAB;
    if (usage === last) reports.push(report(0, 0));
    reports.push(report(0, usage));
  }
  reports.push(report(0, 0));
  return reports;
}
