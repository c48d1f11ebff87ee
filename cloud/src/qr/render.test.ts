import QRCode from 'qrcode';
import { describe, expect, it } from 'vitest';
import { crc32, renderQr } from './index.ts';
import { readPngModules, readSvgModules } from './read-back.ts';

// A real-shaped token: 43-char header, ~230-char claims, 86-char signature.
const TOKEN =
  'eyJhbGciOiJFZERTQSIsImtpZCI6IlF4Y0Q5X2ZrIn0.' +
  Buffer.from(
    JSON.stringify({
      iss: 'http://localhost:8080',
      jti: 'inv_01JDQ2B7Y3K9R5T8W1X4Z6M0NP',
      aud: 'MAD-T4S-VELAZQUEZ',
      sub: 'AbCdEfGhIjKlMnOpQrStUv',
      nbf: 1790000000,
      exp: 1790016200,
      gst: 1,
    }),
  ).toString('base64url') +
  '.' +
  'S'.repeat(86);

describe('renderQr', () => {
  it('draws the same matrix in the PNG and the SVG as the qrcode package builds', async () => {
    const { png, svg, matrix } = await renderQr(TOKEN);
    const reference = QRCode.create([{ data: Buffer.from(TOKEN), mode: 'byte' }], {
      errorCorrectionLevel: 'M',
    });
    const fromPng = readPngModules(png);
    const fromSvg = readSvgModules(svg);
    expect(fromPng.size).toBe(reference.modules.size);
    expect(Buffer.from(fromPng.modules).equals(Buffer.from(reference.modules.data))).toBe(true);
    expect(Buffer.from(fromSvg.modules).equals(Buffer.from(fromPng.modules))).toBe(true);
    expect(matrix.version).toBe(reference.version);
  });

  it('writes a PNG with a 4-module quiet zone at 4 px per module, or the scale asked', async () => {
    const { png, matrix } = await renderQr(TOKEN);
    expect(Buffer.from(png.subarray(0, 8)).toString('latin1')).toBe('\x89PNG\r\n\x1a\n');
    const width = Buffer.from(png).readUInt32BE(16);
    expect(width).toBe((matrix.size + 8) * 4);
    const big = await renderQr(TOKEN, { scale: 8, margin: 2 });
    expect(Buffer.from(big.png).readUInt32BE(16)).toBe((matrix.size + 4) * 8);
    expect(readPngModules(big.png, 8, 2).modules).toEqual(matrix.modules);
    // The quiet zone is white: the top-left pixel and the whole first row of modules' margin.
    expect(readPngModules(png, 4, 0).modules[0]).toBe(0);
  });

  it('writes an SVG with a viewBox in modules and one dark path', async () => {
    const { svg, matrix } = await renderQr(TOKEN);
    const full = matrix.size + 8;
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" /);
    expect(svg).toContain(`width="${full * 4}" height="${full * 4}"`);
    expect(svg).toContain(`viewBox="0 0 ${matrix.size + 8} ${matrix.size + 8}"`);
    expect(svg.match(/<path/g)).toHaveLength(2);
  });

  it('computes the standard CRC-32', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });
});
