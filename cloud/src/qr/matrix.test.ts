import fc from 'fast-check';
import QRCode from 'qrcode';
import { describe, expect, it } from 'vitest';
import { encodeQr, versionFor } from './matrix.ts';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.';

function randomToken(length: number, seed: number): string {
  let s = seed;
  let out = '';
  for (let i = 0; i < length; i++) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    out += ALPHABET[s % ALPHABET.length];
  }
  return out;
}

/** Compares our symbol with the `qrcode` package's: version, mask and every module. */
function expectSameAsQrcode(bytes: Uint8Array): void {
  const ours = encodeQr(bytes);
  const theirs = QRCode.create([{ data: Buffer.from(bytes), mode: 'byte' }], {
    errorCorrectionLevel: 'M',
  });
  expect({ length: bytes.length, version: ours.version, mask: ours.mask }).toEqual({
    length: bytes.length,
    version: theirs.version,
    mask: theirs.maskPattern,
  });
  expect(Buffer.from(ours.modules).equals(Buffer.from(theirs.modules.data))).toBe(true);
}

describe('encodeQr', () => {
  it('matches the qrcode package at version edges (1, 7 with version info, 10, 14, 15, 40)', () => {
    // Byte capacities at M: v1 14, v7 122, v9 152 (v10 starts 16-bit counts), v14 362, v40 2331.
    for (const [i, length] of [1, 14, 15, 122, 152, 153, 362, 363, 2331].entries()) {
      expectSameAsQrcode(new TextEncoder().encode(randomToken(length, i + 1)));
    }
  });

  it('matches the qrcode package for arbitrary bytes up to 400', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 400 }), (bytes) => {
        expectSameAsQrcode(bytes);
      }),
      { numRuns: 25 },
    );
  });

  it('keeps a 360-character token at version 14 and refuses what no version holds', () => {
    expect(versionFor(360)).toBe(14);
    expect(versionFor(362)).toBe(14);
    expect(versionFor(363)).toBe(15);
    expect(versionFor(2331)).toBe(40);
    expect(() => versionFor(2332)).toThrow(RangeError);
  });
});
