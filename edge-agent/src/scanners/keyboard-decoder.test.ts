import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KeyboardDecoder, MOD } from './keyboard-decoder.ts';
import { encodeKeystrokes } from './keyboard-encoder.ts';
import type { KeyboardLayoutName } from './keyboard-layouts.ts';

const TOKEN_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.';
const r = (mods: number, ...keys: number[]): Uint8Array =>
  Uint8Array.from([mods, 0, ...keys, ...new Array(6 - keys.length).fill(0)]);

function decodeAll(decoder: KeyboardDecoder, reports: Uint8Array[]): string[] {
  return reports.flatMap((report) => decoder.push(report).codes);
}

describe('KeyboardDecoder', () => {
  for (const layout of ['us', 'es'] as const) {
    it(`${layout}: decodes every token character typed one by one`, () => {
      const decoder = new KeyboardDecoder({ layout });
      expect(decodeAll(decoder, encodeKeystrokes(TOKEN_ALPHABET, layout))).toEqual([
        TOKEN_ALPHABET,
      ]);
    });
  }

  it('reads - _ . from the keys a real Spanish keyboard has them on', () => {
    const es = new KeyboardDecoder({ layout: 'es' });
    // ES: '-' is the key US calls '/', '_' is Shift on it, '.' is the US '.' key.
    const reports = [r(0, 0x38), r(0), r(MOD.leftShift, 0x38), r(0), r(0, 0x37), r(0), r(0, 0x28)];
    expect(decodeAll(es, reports)).toEqual(['-_.']);
    const us = new KeyboardDecoder({ layout: 'us' });
    expect(decodeAll(us, reports)).toEqual(['/?.']);
  });

  it('es: AltGr (right Alt, or Ctrl+Alt) types @ # and €', () => {
    const es = new KeyboardDecoder({ layout: 'es' });
    const altGr = MOD.rightAlt;
    const ctrlAlt = MOD.leftCtrl | MOD.leftAlt;
    const reports = [
      r(altGr, 0x1f),
      r(0),
      r(ctrlAlt, 0x20),
      r(0),
      r(altGr, 0x08),
      r(0),
      r(0, 0x28),
    ];
    expect(decodeAll(es, reports)).toEqual(['@#€']);
  });

  it('counts a key held across reports once, and a rolled-over key as a new press', () => {
    const decoder = new KeyboardDecoder({ layout: 'us' });
    // a held for three reports, b pressed while a is still down, then both released.
    const reports = [
      r(0, 0x04),
      r(0, 0x04),
      r(0, 0x04, 0x05),
      r(0, 0x05),
      r(0),
      r(0, 0x04),
      r(0),
      r(0, 0x28),
    ];
    expect(decodeAll(decoder, reports)).toEqual(['aba']);
  });

  it('ignores phantom (ErrorRollOver) reports', () => {
    const decoder = new KeyboardDecoder({ layout: 'us' });
    const phantom = r(0, 1, 1, 1, 1, 1, 1);
    expect(decodeAll(decoder, [r(0, 0x04), phantom, r(0, 0x04), r(0), r(0, 0x28)])).toEqual(['a']);
  });

  it('ends a code at Enter, keypad Enter or Tab; flush() ends it after an idle gap', () => {
    const decoder = new KeyboardDecoder({ layout: 'us' });
    const none = { suffix: 'none' } as const;
    expect(decodeAll(decoder, encodeKeystrokes('ab', 'us', { suffix: 'tab' }))).toEqual(['ab']);
    expect(decodeAll(decoder, [r(0, 0x06), r(0), r(0, 0x58), r(0)])).toEqual(['c']);
    expect(decodeAll(decoder, encodeKeystrokes('xy', 'us', none))).toEqual([]);
    expect(decoder.pending()).toBe(true);
    expect(decoder.flush().codes).toEqual(['xy']);
    expect(decoder.pending()).toBe(false);
    expect(decoder.flush().codes).toEqual([]);
  });

  it('accepts a 9-byte report that starts with a report ID', () => {
    const decoder = new KeyboardDecoder({ layout: 'us' });
    const withId = (rep: Uint8Array): Uint8Array => Uint8Array.from([1, ...rep]);
    expect(decodeAll(decoder, encodeKeystrokes('q1', 'us').map(withId))).toEqual(['q1']);
  });

  it('drops an oversized code and reads the next one', () => {
    const decoder = new KeyboardDecoder({ layout: 'us', maxCodeChars: 10 });
    const out = encodeKeystrokes('x'.repeat(200), 'us').map((rep) => decoder.push(rep));
    expect(out.flatMap((o) => o.codes)).toEqual([]);
    expect(out.flatMap((o) => o.problems)).toHaveLength(1);
    expect(decodeAll(decoder, encodeKeystrokes('ok', 'us'))).toEqual(['ok']);
  });

  it('property: any token-alphabet string typed on either layout decodes back', () => {
    const token = fc.string({
      unit: fc.constantFrom(...TOKEN_ALPHABET),
      minLength: 1,
      maxLength: 400,
    });
    fc.assert(
      fc.property(
        token,
        fc.constantFrom<KeyboardLayoutName>('us', 'es'),
        fc.constantFrom('always', 'when-needed' as const),
        (text, layout, releases) => {
          const decoder = new KeyboardDecoder({ layout });
          expect(decodeAll(decoder, encodeKeystrokes(text, layout, { releases }))).toEqual([text]);
        },
      ),
    );
  });

  it('property: random reports never throw', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 12 }), { maxLength: 200 }), (reports) => {
        const decoder = new KeyboardDecoder({ layout: 'es', maxCodeChars: 50 });
        for (const report of reports) decoder.push(report);
        for (const code of decoder.flush().codes) expect(code.length).toBeLessThanOrEqual(50);
      }),
    );
  });
});
