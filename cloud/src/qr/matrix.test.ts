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

const reference = (text: string) =>
  QRCode.create([{ data: Buffer.from(text), mode: 'byte' }], { errorCorrectionLevel: 'M' });

describe('encodeQr', () => {
  it('matches the qrcode package module for module (version, mask and matrix)', () => {
    const lengths = [1, 14, 15, 100, 200, 300, 331, 360, 361, 400, 600, 1000, 2331];
    for (const [i, length] of lengths.entries()) {
      const text = randomToken(length, i + 1);
      const ours = encodeQr(new TextEncoder().encode(text));
      const theirs = reference(text);
      expect({ length, version: ours.version, size: ours.size }).toEqual({
        length,
        version: theirs.version,
        size: theirs.modules.size,
      });
      expect(ours.mask).toBe(theirs.maskPattern);
      expect(Buffer.from(ours.modules).equals(Buffer.from(theirs.modules.data))).toBe(true);
    }
  });

  it('keeps a 360-character token at version 14 and refuses what no version holds', () => {
    expect(versionFor(360)).toBe(14);
    expect(versionFor(2331)).toBe(40);
    expect(() => versionFor(2332)).toThrow(RangeError);
  });
});
