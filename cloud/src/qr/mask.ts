import { writeFormat, type VersionLayout } from './layout.ts';
import { packLines, penaltyOf, type LineBits } from './penalty.ts';

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

/** What XOR-ing one mask does to a symbol: data modules flipped and the format bits written. */
interface MaskImage {
  modules: Uint8Array;
  lines: LineBits;
}

const maskImages = new Map<number, MaskImage[]>();

// Format areas are 0 in the template, so XOR-ing the format bits in writes them.
function imagesOf(layout: VersionLayout): MaskImage[] {
  let images = maskImages.get(layout.version);
  if (images) return images;
  const { size, reserved } = layout;
  images = MASKS.map((pattern, mask) => {
    const modules = new Uint8Array(size * size);
    for (let r = 0; r < size; r++) {
      for (let c = 0; c < size; c++) {
        if (!reserved[r * size + c]) modules[r * size + c] = pattern(r, c);
      }
    }
    writeFormat(modules, size, mask);
    return { modules, lines: packLines(modules, size) };
  });
  maskImages.set(layout.version, images);
  return images;
}

/** Applies a mask and its format bits to a symbol whose data is placed unmasked, in place. */
export function applyMask(modules: Uint8Array, layout: VersionLayout, mask: number): Uint8Array {
  const image = imagesOf(layout)[mask]!.modules;
  for (let i = 0; i < modules.length; i++) modules[i]! ^= image[i]!;
  return modules;
}

/** The mask with the lowest penalty for a symbol whose data modules are placed, unmasked. */
export function bestMask(unmasked: Uint8Array, layout: VersionLayout): number {
  const base = packLines(unmasked, layout.size);
  const trial: LineBits = { ...base, rows: base.rows.slice(), cols: base.cols.slice() };
  let best = 0;
  let bestScore = Infinity;
  for (const [mask, image] of imagesOf(layout).entries()) {
    for (let i = 0; i < trial.rows.length; i++) {
      trial.rows[i] = base.rows[i]! ^ image.lines.rows[i]!;
      trial.cols[i] = base.cols[i]! ^ image.lines.cols[i]!;
    }
    const score = penaltyOf(trial);
    if (score < bestScore) {
      bestScore = score;
      best = mask;
    }
  }
  return best;
}
