import { encodeQr, type QrMatrix } from './matrix.ts';
import { toPng, type BitmapOptions } from './png.ts';
import { toSvg } from './svg.ts';

export { encodeQr, versionFor } from './matrix.ts';
export type { QrMatrix } from './matrix.ts';
export { crc32, toPng } from './png.ts';
export type { BitmapOptions } from './png.ts';
export { toSvg } from './svg.ts';

/** The rendered QR of a token: PNG bytes and SVG text of the same matrix. */
export interface RenderedQr {
  png: Uint8Array;
  svg: string;
  matrix: QrMatrix;
}

const encoder = new TextEncoder();

/**
 * Renders a token as a QR code: byte mode, ECC level M, a 4-module quiet zone, as a 1-bit PNG
 * (4 px per module by default) and an SVG. The matrix is built once for both.
 */
export async function renderQr(token: string, opts: BitmapOptions = {}): Promise<RenderedQr> {
  const matrix = encodeQr(encoder.encode(token));
  return { png: toPng(matrix, opts), svg: toSvg(matrix, opts.margin, opts.scale), matrix };
}
