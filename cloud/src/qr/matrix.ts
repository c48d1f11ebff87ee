import { layoutOf } from './layout.ts';
import { applyMask, bestMask } from './mask.ts';
import { reedSolomon } from './reed-solomon.ts';

/** A QR symbol: `size` x `size` modules, row-major, 1 = dark. No quiet zone. */
export interface QrMatrix {
  version: number;
  size: number;
  mask: number;
  modules: Uint8Array;
}

// ECC level M (ISO/IEC 18004 table 9), index = version - 1: blocks, EC codewords per block.
const BLOCKS = [
  1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16, 17, 17, 18, 20, 21, 23, 25, 26,
  28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49,
];
const EC_PER_BLOCK = [
  10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26, 26, 28, 28, 28,
  28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28,
];

/** Codewords a version holds: its data modules / 8 (Nayuki's formula for annex tables). */
function totalCodewords(version: number): number {
  let modules = (16 * version + 128) * version + 64;
  if (version >= 2) {
    const align = Math.floor(version / 7) + 2;
    modules -= (25 * align - 10) * align - 55;
    if (version >= 7) modules -= 36;
  }
  return Math.floor(modules / 8);
}

const dataCodewords = (v: number): number =>
  totalCodewords(v) - BLOCKS[v - 1]! * EC_PER_BLOCK[v - 1]!;

/** The smallest version whose byte-mode capacity at ECC M holds `length` bytes. */
export function versionFor(length: number): number {
  for (let v = 1; v <= 40; v++) {
    const headerBits = 4 + (v < 10 ? 8 : 16);
    if (headerBits + length * 8 <= dataCodewords(v) * 8) return v;
  }
  throw new RangeError(`QR: ${length} bytes do not fit version 40 at ECC level M`);
}

/** Mode, count, data, terminator and pad codewords (section 7.4). */
function dataStream(bytes: Uint8Array, version: number): Uint8Array {
  const out = new Uint8Array(dataCodewords(version));
  let acc = 0b0100; // byte mode
  let accBits = 4;
  let pos = 0;
  const put = (value: number, bits: number): void => {
    acc = (acc << bits) | value;
    accBits += bits;
    while (accBits >= 8) {
      accBits -= 8;
      out[pos++] = (acc >>> accBits) & 0xff;
    }
    acc &= (1 << accBits) - 1;
  };
  put(bytes.length, version < 10 ? 8 : 16);
  for (let i = 0; i < bytes.length; i++) put(bytes[i]!, 8);
  // Terminator (up to four 0 bits) then zero bits to a byte boundary.
  if (accBits > 0) put(0, 8 - accBits);
  for (let pad = 0xec; pos < out.length; pad ^= 0xec ^ 0x11) out[pos++] = pad;
  return out;
}

/** Splits data into blocks, adds EC codewords and interleaves them (section 7.6). */
function codewords(data: Uint8Array, version: number): Uint8Array {
  const blocks = BLOCKS[version - 1]!;
  const ec = EC_PER_BLOCK[version - 1]!;
  const total = totalCodewords(version);
  const shortLen = Math.floor(data.length / blocks);
  const longBlocks = data.length % blocks; // the last `longBlocks` blocks carry one more byte
  const dataBlocks: Uint8Array[] = [];
  const ecBlocks: Uint8Array[] = [];
  let offset = 0;
  for (let b = 0; b < blocks; b++) {
    const len = shortLen + (b >= blocks - longBlocks ? 1 : 0);
    const block = data.subarray(offset, offset + len);
    dataBlocks.push(block);
    ecBlocks.push(reedSolomon(block, ec));
    offset += len;
  }
  const out = new Uint8Array(total);
  let pos = 0;
  for (let i = 0; i <= shortLen; i++) {
    for (const block of dataBlocks) if (i < block.length) out[pos++] = block[i]!;
  }
  for (let i = 0; i < ec; i++) for (const block of ecBlocks) out[pos++] = block[i]!;
  return out;
}

/** Encodes bytes as a QR symbol: byte mode, ECC level M, the lowest-penalty mask. */
export function encodeQr(bytes: Uint8Array): QrMatrix {
  const version = versionFor(bytes.length);
  const layout = layoutOf(version);
  const { size, dataOrder } = layout;
  const stream = codewords(dataStream(bytes, version), version);
  const unmasked = layout.template.slice();
  // Remainder bits past the last codeword stay light (section 7.7.3).
  const bitCount = Math.min(dataOrder.length, stream.length * 8);
  for (let i = 0; i < bitCount; i++) {
    unmasked[dataOrder[i]!] = (stream[i >>> 3]! >>> (7 - (i & 7))) & 1;
  }
  const mask = bestMask(unmasked, layout);
  const modules = applyMask(unmasked, layout, mask);
  return { version, size, mask, modules };
}
