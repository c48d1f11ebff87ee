// The fixed parts of a QR symbol (ISO/IEC 18004 section 6.3): finder, timing and alignment
// patterns, the format and version areas, and the zigzag order data modules are placed in.
// All of it depends only on the version, so it is computed once per version and cached.

/** A version's template: function patterns drawn, and where data bits go in order. */
export interface VersionLayout {
  version: number;
  size: number;
  /** Dark (1) / light (0) function modules, row-major; data modules are 0 here. */
  template: Uint8Array;
  /** 1 where a module is a function module (never masked). */
  reserved: Uint8Array;
  /** Module indexes in data placement order (upward/downward two-column zigzag). */
  dataOrder: Int32Array;
}

const layouts = new Map<number, VersionLayout>();

/** Row/column centres of the alignment patterns (ISO/IEC 18004 annex E). */
function alignmentPositions(version: number): number[] {
  if (version === 1) return [];
  const count = Math.floor(version / 7) + 2;
  const step = Math.floor((version * 8 + count * 3 + 5) / (count * 4 - 4)) * 2;
  const result = [6];
  for (let pos = version * 4 + 10; result.length < count; pos -= step) result.splice(1, 0, pos);
  return result;
}

/** The cached layout of a version (1..40). */
export function layoutOf(version: number): VersionLayout {
  const cached = layouts.get(version);
  if (cached) return cached;
  const size = version * 4 + 17;
  const template = new Uint8Array(size * size);
  const reserved = new Uint8Array(size * size);
  const set = (row: number, col: number, dark: boolean): void => {
    template[row * size + col] = dark ? 1 : 0;
    reserved[row * size + col] = 1;
  };

  for (let i = 0; i < size; i++) {
    set(6, i, i % 2 === 0);
    set(i, 6, i % 2 === 0);
  }
  // Finder patterns with their light separators.
  for (const [r0, c0] of [
    [3, 3],
    [3, size - 4],
    [size - 4, 3],
  ] as const) {
    for (let dr = -4; dr <= 4; dr++) {
      for (let dc = -4; dc <= 4; dc++) {
        const r = r0 + dr;
        const c = c0 + dc;
        if (r < 0 || r >= size || c < 0 || c >= size) continue;
        const dist = Math.max(Math.abs(dr), Math.abs(dc));
        set(r, c, dist !== 2 && dist !== 4);
      }
    }
  }
  const align = alignmentPositions(version);
  const last = align.length - 1;
  for (let i = 0; i <= last; i++) {
    for (let j = 0; j <= last; j++) {
      // The three corners under the finder patterns have none.
      if ((i === 0 && j === 0) || (i === 0 && j === last) || (i === last && j === 0)) continue;
      for (let dr = -2; dr <= 2; dr++) {
        for (let dc = -2; dc <= 2; dc++) {
          set(align[i]! + dr, align[j]! + dc, Math.max(Math.abs(dr), Math.abs(dc)) !== 1);
        }
      }
    }
  }
  // Format areas are reserved here and written per mask; the dark module is fixed.
  for (let i = 0; i < 9; i++) {
    set(8, i, template[8 * size + i] === 1);
    set(i, 8, template[i * size + 8] === 1);
  }
  for (let i = 0; i < 8; i++) {
    set(8, size - 1 - i, false);
    set(size - 1 - i, 8, false);
  }
  set(size - 8, 8, true);
  if (version >= 7) {
    const bits = versionBits(version);
    for (let i = 0; i < 18; i++) {
      const dark = ((bits >> i) & 1) === 1;
      set(Math.floor(i / 3), size - 11 + (i % 3), dark);
      set(size - 11 + (i % 3), Math.floor(i / 3), dark);
    }
  }

  const order: number[] = [];
  let upward = true;
  for (let right = size - 1; right >= 1; right -= 2) {
    if (right === 6) right = 5; // skip the vertical timing pattern column
    for (let k = 0; k < size; k++) {
      const row = upward ? size - 1 - k : k;
      for (let c = 0; c < 2; c++) {
        const idx = row * size + right - c;
        if (!reserved[idx]) order.push(idx);
      }
    }
    upward = !upward;
  }
  const layout = { version, size, template, reserved, dataOrder: Int32Array.from(order) };
  layouts.set(version, layout);
  return layout;
}

/** 18-bit version information: 6 bits of version + 12-bit BCH code (annex D). */
function versionBits(version: number): number {
  let rem = version;
  for (let i = 0; i < 12; i++) rem = (rem << 1) ^ ((rem >>> 11) * 0x1f25);
  return (version << 12) | rem;
}

/** 15-bit format information for ECC level M and a mask, BCH-coded and XOR-masked (annex C). */
export function formatBits(mask: number): number {
  const data = (0b00 << 3) | mask; // level M is 00
  let rem = data;
  for (let i = 0; i < 10; i++) rem = (rem << 1) ^ ((rem >>> 9) * 0x537);
  return ((data << 10) | rem) ^ 0x5412;
}

/** Writes the format bits of `mask` into both format areas of a matrix. */
export function writeFormat(matrix: Uint8Array, size: number, mask: number): void {
  const bits = formatBits(mask);
  for (let i = 0; i < 15; i++) {
    const bit = (bits >> i) & 1;
    // Copy 1: down column 8 (skipping the timing row), then left along row 8.
    const r1 = i < 6 ? i : i < 8 ? i + 1 : 8;
    const c1 = i < 8 ? 8 : i === 8 ? 7 : 14 - i;
    matrix[r1 * size + c1] = bit;
    // Copy 2: right to left along row 8, then down column 8 at the bottom.
    const r2 = i < 8 ? 8 : size - 15 + i;
    const c2 = i < 8 ? size - 1 - i : 8;
    matrix[r2 * size + c2] = bit;
  }
}
