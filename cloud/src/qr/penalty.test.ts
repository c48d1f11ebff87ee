import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { packLines, penaltyOf } from './penalty.ts';

/** The `qrcode` package's scoring, module by module: the oracle for the bitset version. */
function referencePenalty(m: Uint8Array, size: number): number {
  let points = 0;
  let dark = 0;
  for (let a = 0; a < size; a++) {
    let [runRow, runCol, lastRow, lastCol, bitsRow, bitsCol] = [0, 0, -1, -1, 0, 0];
    for (let b = 0; b < size; b++) {
      const vr = m[a * size + b]!;
      const vc = m[b * size + a]!;
      dark += vr;
      if (vr === lastRow) runRow++;
      else {
        if (runRow >= 5) points += 3 + runRow - 5;
        [lastRow, runRow] = [vr, 1];
      }
      if (vc === lastCol) runCol++;
      else {
        if (runCol >= 5) points += 3 + runCol - 5;
        [lastCol, runCol] = [vc, 1];
      }
      bitsRow = ((bitsRow << 1) & 0x7ff) | vr;
      bitsCol = ((bitsCol << 1) & 0x7ff) | vc;
      if (b >= 10 && (bitsRow === 0x5d0 || bitsRow === 0x05d)) points += 40;
      if (b >= 10 && (bitsCol === 0x5d0 || bitsCol === 0x05d)) points += 40;
      if (a < size - 1 && b < size - 1) {
        const sum = vr + m[a * size + b + 1]! + m[(a + 1) * size + b]! + m[(a + 1) * size + b + 1]!;
        if (sum === 0 || sum === 4) points += 3;
      }
    }
    if (runRow >= 5) points += 3 + runRow - 5;
    if (runCol >= 5) points += 3 + runCol - 5;
  }
  return points + 10 * Math.abs(Math.ceil((dark * 100) / (size * size) / 5) - 10);
}

const score = (m: Uint8Array, size: number) => penaltyOf(packLines(m, size));

describe('penaltyOf (bitsets)', () => {
  it('scores random symbols of every word count exactly like the reference', () => {
    const sizes = fc.constantFrom(21, 29, 33, 61, 65, 73, 97, 129, 177);
    fc.assert(
      fc.property(sizes, fc.integer({ min: 1, max: 9 }), fc.integer(), (size, density, seed) => {
        const m = new Uint8Array(size * size);
        let s = seed;
        for (let i = 0; i < m.length; i++) {
          s = (Math.imul(s, 1103515245) + 12345) | 0;
          m[i] = (s >>> 16) % 10 < density ? 1 : 0;
        }
        expect(score(m, size)).toBe(referencePenalty(m, size));
      }),
      { numRuns: 60 },
    );
  });

  it('counts long runs, blocks and finder-like windows across word edges', () => {
    for (const size of [21, 33, 65, 177]) {
      const allDark = new Uint8Array(size * size).fill(1);
      expect(score(allDark, size)).toBe(referencePenalty(allDark, size));
      const stripes = new Uint8Array(size * size).map((_, i) => Math.floor(i / size) % 2);
      expect(score(stripes, size)).toBe(referencePenalty(stripes, size));
      // 1011101 0000 repeated: finder-like windows everywhere, including over bit 31/32.
      const finder = [1, 0, 1, 1, 1, 0, 1, 0, 0, 0, 0];
      const windows = new Uint8Array(size * size).map((_, i) => finder[(i % size) % 11]!);
      expect(score(windows, size)).toBe(referencePenalty(windows, size));
    }
  });
});
