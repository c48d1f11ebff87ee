// Mask penalty (ISO/IEC 18004 section 7.8.3) scored the way the `qrcode` package scores it,
// so both pick the same mask, but 32 modules at a time: each row and each column is a bitset
// of 32-bit words (module c at bit c & 31 of word c >> 5).

/** Bitsets of a symbol's rows and columns, `words` 32-bit words per line. */
export interface LineBits {
  size: number;
  words: number;
  rows: Int32Array;
  cols: Int32Array;
}

export const wordsFor = (size: number): number => (size + 31) >>> 5;

/** Packs a row-major module matrix into row and column bitsets. */
export function packLines(modules: Uint8Array, size: number): LineBits {
  const words = wordsFor(size);
  const rows = new Int32Array(size * words);
  const cols = new Int32Array(size * words);
  for (let r = 0; r < size; r++) {
    for (let c = 0; c < size; c++) {
      if (!modules[r * size + c]) continue;
      rows[r * words + (c >>> 5)]! |= 1 << (c & 31);
      cols[c * words + (r >>> 5)]! |= 1 << (r & 31);
    }
  }
  return { size, words, rows, cols };
}

function popcount(v: number): number {
  v -= (v >>> 1) & 0x55555555;
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}

/** Bits k ahead: result bit c = line bit c + k (0 past the end), for 0 <= k < 32. */
function ahead(line: Int32Array, at: number, w: number, words: number, k: number): number {
  if (k === 0) return line[at + w]!;
  const next = w + 1 < words ? line[at + w + 1]! : 0;
  return (line[at + w]! >>> k) | (next << (32 - k));
}

/** Mask of bit positions c < limit within word w. */
function below(limit: number, w: number): number {
  const n = limit - w * 32;
  return n >= 32 ? -1 : n <= 0 ? 0 : (1 << n) - 1;
}

// 11-module finder-like windows, oldest module first: 1011101 0000 and 0000 1011101.
const N3_A = [1, 0, 1, 1, 1, 0, 1, 0, 0, 0, 0];
const N3_B = [0, 0, 0, 0, 1, 0, 1, 1, 1, 0, 1];

const eq1 = new Int32Array(8);

/** N1 (runs of 5+: 3 + extra length) and N3 (40 per window) of one line. */
function lineScore(line: Int32Array, at: number, words: number, size: number): number {
  let points = 0;
  // eq1 bit c: module c equals module c + 1.
  for (let w = 0; w < words; w++) {
    eq1[w] = ~(line[at + w]! ^ ahead(line, at, w, words, 1)) & below(size - 1, w);
  }
  let prevTop = 0; // bit 31 of the previous word of w5
  for (let w = 0; w < words; w++) {
    // w5 bit c: modules c..c+4 are equal; a run of L >= 5 sets L - 4 bits and starts once.
    const w5 =
      eq1[w]! &
      ahead(eq1, 0, w, words, 1) &
      ahead(eq1, 0, w, words, 2) &
      ahead(eq1, 0, w, words, 3);
    const starts = w5 & ~((w5 << 1) | prevTop);
    points += popcount(w5) + 2 * popcount(starts);
    prevTop = w5 >>> 31;
    let a = below(size - 10, w);
    let b = a;
    for (let k = 0; k < 11 && (a | b) !== 0; k++) {
      const bits = ahead(line, at, w, words, k);
      a &= N3_A[k] ? bits : ~bits;
      b &= N3_B[k] ? bits : ~bits;
    }
    points += 40 * (popcount(a) + popcount(b));
  }
  return points;
}

/** The penalty of a masked symbol given as line bitsets. */
export function penaltyOf(bits: LineBits): number {
  const { size, words, rows, cols } = bits;
  let points = 0;
  let dark = 0;
  for (let i = 0; i < size; i++) {
    points += lineScore(rows, i * words, words, size) + lineScore(cols, i * words, words, size);
    for (let w = 0; w < words; w++) dark += popcount(rows[i * words + w]!);
    if (i === size - 1) continue;
    // N2: 2x2 blocks of one colour, 3 points each.
    let blocks = 0;
    for (let w = 0; w < words; w++) {
      const x = rows[i * words + w]!;
      const vertical = ~(x ^ rows[(i + 1) * words + w]!);
      const verticalNext = ~(
        ahead(rows, i * words, w, words, 1) ^ ahead(rows, (i + 1) * words, w, words, 1)
      );
      const horizontal = ~(x ^ ahead(rows, i * words, w, words, 1));
      blocks += popcount(vertical & verticalNext & horizontal & below(size - 1, w));
    }
    points += 3 * blocks;
  }
  const k = Math.abs(Math.ceil((dark * 100) / (size * size) / 5) - 10);
  return points + k * 10;
}
