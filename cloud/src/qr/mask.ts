import { writeFormat, type VersionLayout } from './layout.ts';

/** The eight data mask conditions (ISO/IEC 18004 table 10); 1 = flip the module. */
export const MASKS: readonly ((row: number, col: number) => number)[] = [
  (i, j) => ((i + j) % 2 === 0 ? 1 : 0),
  (i) => (i % 2 === 0 ? 1 : 0),
  (_i, j) => (j % 3 === 0 ? 1 : 0),
  (i, j) => ((i + j) % 3 === 0 ? 1 : 0),
  (i, j) => ((Math.floor(i / 2) + Math.floor(j / 3)) % 2 === 0 ? 1 : 0),
  (i, j) => (((i * j) % 2) + ((i * j) % 3) === 0 ? 1 : 0),
  (i, j) => ((((i * j) % 2) + ((i * j) % 3)) % 2 === 0 ? 1 : 0),
  (i, j) => ((((i * j) % 3) + ((i + j) % 2)) % 2 === 0 ? 1 : 0),
];

// Per version, the XOR image of each mask over the data modules only.
const maskImages = new Map<number, Uint8Array[]>();

function imagesOf(layout: VersionLayout): Uint8Array[] {
  let images = maskImages.get(layout.version);
  if (images) return images;
  const { size, reserved } = layout;
  images = MASKS.map((pattern) => {
    const image = new Uint8Array(size * size);
    for (let r = 0; r < size; r++) {
      for (let c = 0; c < size; c++) {
        if (!reserved[r * size + c]) image[r * size + c] = pattern(r, c);
      }
    }
    return image;
  });
  maskImages.set(layout.version, images);
  return images;
}

/**
 * Penalty score of a masked symbol (section 7.8.3), computed as the `qrcode` package does so
 * both pick the same mask: N1 runs of 5+, N2 2x2 blocks, N3 finder-like 1:1:3:1:1 patterns
 * in an 11-module window, N4 dark/light balance.
 */
export function penalty(m: Uint8Array, size: number): number {
  let points = 0;
  let dark = 0;
  for (let a = 0; a < size; a++) {
    let runRow = 0;
    let runCol = 0;
    let lastRow = -1;
    let lastCol = -1;
    let bitsRow = 0;
    let bitsCol = 0;
    for (let b = 0; b < size; b++) {
      const vr = m[a * size + b]!; // along row a
      const vc = m[b * size + a]!; // along column a
      dark += vr;
      if (vr === lastRow) runRow++;
      else {
        if (runRow >= 5) points += runRow - 2;
        lastRow = vr;
        runRow = 1;
      }
      if (vc === lastCol) runCol++;
      else {
        if (runCol >= 5) points += runCol - 2;
        lastCol = vc;
        runCol = 1;
      }
      bitsRow = ((bitsRow << 1) & 0x7ff) | vr;
      bitsCol = ((bitsCol << 1) & 0x7ff) | vc;
      if (b >= 10) {
        if (bitsRow === 0x5d0 || bitsRow === 0x05d) points += 40;
        if (bitsCol === 0x5d0 || bitsCol === 0x05d) points += 40;
      }
      if (a < size - 1 && b < size - 1) {
        const sum = vr + m[a * size + b + 1]! + m[(a + 1) * size + b]! + m[(a + 1) * size + b + 1]!;
        if (sum === 0 || sum === 4) points += 3;
      }
    }
    if (runRow >= 5) points += runRow - 2;
    if (runCol >= 5) points += runCol - 2;
  }
  const k = Math.abs(Math.ceil((dark * 100) / (size * size) / 5) - 10);
  return points + k * 10;
}

/** XORs a mask over the data modules, in place. */
export function applyMask(modules: Uint8Array, layout: VersionLayout, mask: number): Uint8Array {
  const image = imagesOf(layout)[mask]!;
  for (let i = 0; i < modules.length; i++) modules[i]! ^= image[i]!;
  return modules;
}

/** The mask with the lowest penalty for a symbol whose data modules are placed, unmasked. */
export function bestMask(unmasked: Uint8Array, layout: VersionLayout): number {
  const { size } = layout;
  const images = imagesOf(layout);
  const scratch = new Uint8Array(unmasked.length);
  let best = 0;
  let bestScore = Infinity;
  for (let mask = 0; mask < 8; mask++) {
    const image = images[mask]!;
    for (let i = 0; i < scratch.length; i++) scratch[i] = unmasked[i]! ^ image[i]!;
    writeFormat(scratch, size, mask);
    const score = penalty(scratch, size);
    if (score < bestScore) {
      bestScore = score;
      best = mask;
    }
  }
  return best;
}
