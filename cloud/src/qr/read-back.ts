import { inflateSync } from 'node:zlib';
import { crc32 } from './png.ts';

// Reads our own PNG and SVG back into module matrices, so tests (and anyone debugging an image)
// can check that both images carry the same symbol. Handles only what `toPng`/`toSvg` write.

/** A module matrix read back from an image (1 = dark), without the quiet zone. */
export interface ReadMatrix {
  size: number;
  modules: Uint8Array;
}

/** Pixel rows of a 1-bit grayscale, non-interlaced PNG, checking every chunk CRC. */
function readBitmap(png: Uint8Array): { width: number; dark: (x: number, y: number) => boolean } {
  const buf = Buffer.from(png.buffer, png.byteOffset, png.byteLength);
  let pos = 8;
  let width = 0;
  const idat: Buffer[] = [];
  while (pos < buf.length) {
    const length = buf.readUInt32BE(pos);
    const type = buf.toString('latin1', pos + 4, pos + 8);
    if (crc32(buf, pos + 4, pos + 8 + length) !== buf.readUInt32BE(pos + 8 + length)) {
      throw new Error(`PNG chunk ${type} has a bad CRC`);
    }
    const data = buf.subarray(pos + 8, pos + 8 + length);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      if (data[8] !== 1 || data[9] !== 0) throw new Error('not a 1-bit grayscale PNG');
    }
    if (type === 'IDAT') idat.push(data);
    pos += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = 1 + Math.ceil(width / 8);
  // Undo the row filters `toPng` uses: None (0) and Up (2).
  for (let y = 0; y < width; y++) {
    const filter = raw[y * stride];
    if (filter === 2 && y > 0) {
      for (let i = 1; i < stride; i++) raw[y * stride + i]! += raw[(y - 1) * stride + i]!;
    } else if (filter !== 0) throw new Error(`PNG filter ${filter} is not one toPng writes`);
  }
  return {
    width,
    dark: (x, y) => ((raw[y * stride + 1 + (x >>> 3)]! >>> (7 - (x & 7))) & 1) === 0,
  };
}

/** The module matrix of a `toPng` image, sampled at module centres. */
export function readPngModules(png: Uint8Array, scale = 4, margin = 4): ReadMatrix {
  const { width, dark } = readBitmap(png);
  const size = width / scale - 2 * margin;
  const modules = new Uint8Array(size * size);
  for (let r = 0; r < size; r++) {
    for (let c = 0; c < size; c++) {
      const x = (margin + c) * scale + (scale >> 1);
      const y = (margin + r) * scale + (scale >> 1);
      modules[r * size + c] = dark(x, y) ? 1 : 0;
    }
  }
  return { size, modules };
}

/** The module matrix of a `toSvg` image, from its `viewBox` and stroked row runs. */
export function readSvgModules(svg: string, margin = 4): ReadMatrix {
  const viewBox = /viewBox="0 0 (\d+) \1"/.exec(svg);
  const path = /<path stroke="#000" d="([^"]*)"/.exec(svg);
  if (!viewBox || !path) throw new Error('not an SVG written by toSvg');
  const size = Number(viewBox[1]) - 2 * margin;
  const modules = new Uint8Array(size * size);
  let x = 0;
  let row = 0;
  for (const [, cmd, a, b] of path[1]!.matchAll(/([Mmh])(\d+)(?: (\d+)\.?5?)?/g)) {
    if (cmd === 'M') [x, row] = [Number(a) - margin, Number(b) - margin];
    else if (cmd === 'm') x += Number(a);
    else {
      for (let i = 0; i < Number(a); i++) modules[row * size + x + i] = 1;
      x += Number(a);
    }
  }
  return { size, modules };
}
