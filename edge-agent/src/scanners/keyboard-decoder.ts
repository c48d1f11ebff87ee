import { MAX_FRAME_BYTES, cleanCodeText } from './code-cleanup.ts';
import type { DecodeResult } from './hid-pos-decoder.ts';
import {
  KEYBOARD_LAYOUTS,
  USAGE_ENTER,
  USAGE_ERROR_ROLLOVER,
  USAGE_KEYPAD_ENTER,
  USAGE_TAB,
  type KeyboardLayout,
  type KeyboardLayoutName,
} from './keyboard-layouts.ts';

/** Modifier byte bits of a boot keyboard report (HID 1.11, appendix B.1). */
export const MOD = {
  leftCtrl: 0x01,
  leftShift: 0x02,
  leftAlt: 0x04,
  rightCtrl: 0x10,
  rightShift: 0x20,
  rightAlt: 0x40,
} as const;

/** Ctrl+letter that scanners send for CR, LF and TAB in "control character" mode. */
const CTRL_TERMINATORS = new Set([0x10 /* m */, 0x0d /* j */, 0x0c /* i */]);

export interface KeyboardDecoderOptions {
  layout: KeyboardLayoutName;
  maxCodeChars?: number;
}

/**
 * Decodes keyboard-wedge boot reports (8 bytes: modifiers, reserved, up to 6 usages) into
 * codes. A key is pressed when it appears in a report and was not in the previous one (a key
 * held across reports, or rolled over while the next goes down, is one press). Enter or Tab
 * ends a code; the driver calls `flush()` after an idle gap for scanners with no suffix. Pure.
 */
export class KeyboardDecoder {
  private readonly layout: KeyboardLayout;
  private readonly max: number;
  private down: number[] = [];
  private text = '';
  private overflow = false;

  constructor(options: KeyboardDecoderOptions) {
    this.layout = KEYBOARD_LAYOUTS[options.layout];
    this.max = options.maxCodeChars ?? MAX_FRAME_BYTES;
  }

  push(report: Uint8Array): DecodeResult<string> {
    const out: DecodeResult<string> = { codes: [], problems: [] };
    // A keyboard that numbers its reports puts a report ID first: 9 bytes.
    const r = report.length === 9 ? report.subarray(1) : report;
    if (r.length < 3 || r.length > 8) {
      out.problems.push({
        reason: 'unreadable',
        detail: `unreadable keyboard report of ${report.length} bytes ignored`,
      });
      return out;
    }
    const keys = [...r.subarray(2)].filter((usage) => usage !== 0);
    if (keys.includes(USAGE_ERROR_ROLLOVER)) return out; // phantom state: keep the last state
    const pressed = keys.filter((usage) => !this.down.includes(usage));
    this.down = keys;
    const mods = r[0]!;
    for (const usage of pressed) this.press(usage, mods, out);
    return out;
  }

  /** True while characters wait for a terminator or the idle gap. */
  pending(): boolean {
    return this.text.length > 0 || this.overflow;
  }

  /** Ends the code in progress (idle gap), as if Enter had been pressed. */
  flush(): DecodeResult<string> {
    const out: DecodeResult<string> = { codes: [], problems: [] };
    this.finish(out);
    return out;
  }

  reset(): void {
    this.down = [];
    this.text = '';
    this.overflow = false;
  }

  private press(usage: number, mods: number, out: DecodeResult<string>): void {
    const ctrl = (mods & (MOD.leftCtrl | MOD.rightCtrl)) !== 0;
    const altGr = (mods & MOD.rightAlt) !== 0 || (ctrl && (mods & MOD.leftAlt) !== 0); // Windows: AltGr = Ctrl+Alt
    if (usage === USAGE_ENTER || usage === USAGE_KEYPAD_ENTER || usage === USAGE_TAB) {
      this.finish(out);
      return;
    }
    if (ctrl && !altGr) {
      if (CTRL_TERMINATORS.has(usage)) this.finish(out);
      return;
    }
    if ((mods & MOD.leftAlt) !== 0 && !altGr) return; // Alt+key is a shortcut, not text
    const levels = this.layout.get(usage);
    if (!levels) return; // function keys, arrows, Caps Lock: not part of a code
    const shift = (mods & (MOD.leftShift | MOD.rightShift)) !== 0;
    const char = altGr ? levels[2] : shift ? levels[1] : levels[0];
    if (char === undefined) return;
    if (this.overflow) return;
    if (this.text.length >= this.max + 64) {
      this.overflow = true;
      this.text = '';
      return;
    }
    this.text += char;
  }

  private finish(out: DecodeResult<string>): void {
    const overflow = this.overflow;
    const code = cleanCodeText(this.text);
    this.text = '';
    this.overflow = false;
    if (overflow || code.length > this.max)
      out.problems.push({
        reason: 'oversized',
        detail: `code over ${this.max} characters dropped`,
      });
    else if (code.length > 0) out.codes.push(code);
  }
}
