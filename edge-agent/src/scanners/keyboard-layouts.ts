/**
 * Keyboard layouts for keyboard-wedge scanners: HID usage (Keyboard/Keypad page 0x07, HID
 * Usage Tables section 10) → character, per modifier level. The scanner "types" on whatever
 * layout it is programmed for; the host must read it with the same one.
 */
export type KeyboardLayoutName = 'us' | 'es';

/** Characters of one key: plain, with Shift, with AltGr (right Alt). */
export type KeyLevels = readonly [plain: string, shift: string, altGr?: string];

export type KeyboardLayout = ReadonlyMap<number, KeyLevels>;

/** Keys that end a code instead of typing a character. */
export const USAGE_ENTER = 0x28;
export const USAGE_TAB = 0x2b;
export const USAGE_KEYPAD_ENTER = 0x58;
/** Reported in every slot when too many keys are down (phantom state): not a key press. */
export const USAGE_ERROR_ROLLOVER = 0x01;

function common(): Map<number, KeyLevels> {
  const keys = new Map<number, KeyLevels>();
  // Letters a-z: usages 0x04-0x1D on both layouts (QWERTY).
  for (let i = 0; i < 26; i++) {
    const c = String.fromCharCode(0x61 + i);
    keys.set(0x04 + i, [c, c.toUpperCase()]);
  }
  keys.set(0x2c, [' ', ' ']);
  // Keypad with Num Lock on, as scanners emulating a keypad expect.
  const keypad: Array<[number, string]> = [
    [0x54, '/'],
    [0x55, '*'],
    [0x56, '-'],
    [0x57, '+'],
    [0x62, '0'],
    [0x63, '.'],
  ];
  for (let d = 1; d <= 9; d++) keypad.push([0x58 + d, String(d)]);
  for (const [usage, c] of keypad) keys.set(usage, [c, c]);
  return keys;
}

function digits(keys: Map<number, KeyLevels>, shifted: string, altGr: string[] = []): void {
  const plain = '1234567890';
  for (let i = 0; i < 10; i++) {
    const alt = altGr[i];
    keys.set(0x1e + i, alt ? [plain[i]!, shifted[i]!, alt] : [plain[i]!, shifted[i]!]);
  }
}

function us(): KeyboardLayout {
  const keys = common();
  digits(keys, '!@#$%^&*()');
  const rest: Array<[number, string, string]> = [
    [0x2d, '-', '_'],
    [0x2e, '=', '+'],
    [0x2f, '[', '{'],
    [0x30, ']', '}'],
    [0x31, '\\', '|'],
    [0x32, '\\', '|'], // Non-US # key: xkb maps it to backslash on the US layout.
    [0x33, ';', ':'],
    [0x34, "'", '"'],
    [0x35, '`', '~'],
    [0x36, ',', '<'],
    [0x37, '.', '>'],
    [0x38, '/', '?'],
    [0x64, '<', '>'], // ISO key left of Z (pc105 default).
  ];
  for (const [usage, plain, shift] of rest) keys.set(usage, [plain, shift]);
  return keys;
}

/** Spanish (Spain), ISO: Microsoft KBDSP / xkb `es`. Note `-` and `_` sit on US `/`. */
function es(): KeyboardLayout {
  const keys = common();
  digits(keys, '!"·$%&/()=', ['|', '@', '#', '~', '€', '¬']);
  keys.set(0x08, ['e', 'E', '€']);
  const rest: Array<[number, string, string, string?]> = [
    [0x35, 'º', 'ª', '\\'],
    [0x2d, "'", '?'],
    [0x2e, '¡', '¿'],
    // Dead keys (` ^ ´ ¨) are read as their spacing characters: no token contains them.
    [0x2f, '`', '^', '['],
    [0x30, '+', '*', ']'],
    [0x33, 'ñ', 'Ñ'],
    [0x34, '´', '¨', '{'],
    [0x31, 'ç', 'Ç', '}'],
    [0x32, 'ç', 'Ç', '}'], // The ISO key left of Enter; 0x31 is its ANSI twin.
    [0x64, '<', '>'],
    [0x36, ',', ';'],
    [0x37, '.', ':'],
    [0x38, '-', '_'],
  ];
  for (const [usage, plain, shift, alt] of rest) {
    keys.set(usage, alt ? [plain, shift, alt] : [plain, shift]);
  }
  return keys;
}

export const KEYBOARD_LAYOUTS: Readonly<Record<KeyboardLayoutName, KeyboardLayout>> = {
  us: us(),
  es: es(),
};
