import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { generateKeyPair } from 'jose';
import { signToken } from '@lounge/shared';
import { afterAll, describe, expect, it } from 'vitest';
import { renderQr } from '../../src/qr/index.ts';
import { readPngModules, readSvgModules } from '../../src/qr/read-back.ts';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'qr-system-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** What zbarimg reads from a PNG file: the raw text of the one symbol in it. */
async function zbar(png: Uint8Array, name: string): Promise<string> {
  const file = join(dir, `${name}.png`);
  writeFileSync(file, png);
  const { stdout } = await run('zbarimg', ['--raw', '-q', file]);
  return stdout.replace(/\n$/, '');
}

async function signedToken(iss: string): Promise<string> {
  const { privateKey } = await generateKeyPair('EdDSA');
  return signToken(
    {
      iss,
      jti: 'inv_01JDQ2B7Y3K9R5T8W1X4Z6M0NP',
      aud: 'MAD-T4S-VELAZQUEZ',
      sub: 'AbCdEfGhIjKlMnOpQrStUv',
      nbf: 1_790_000_000,
      exp: 1_790_016_200,
      gst: 2,
      ent: 1,
    },
    { kid: 'QxcD9_fk', privateKey },
  );
}

describe('QR images decode with zbarimg', () => {
  it('reads a real signed token back exactly, and the SVG carries the same matrix', async () => {
    const token = await signedToken('http://localhost:8080');
    expect(token.length).toBeLessThanOrEqual(360);
    const { png, svg, matrix } = await renderQr(token);
    expect(matrix.version).toBeLessThanOrEqual(14);
    expect(await zbar(png, 'token')).toBe(token);
    expect(readSvgModules(svg).modules).toEqual(readPngModules(png).modules);
  });

  it('reads tokens of other lengths and versions back exactly', async () => {
    const long = await signedToken('https://lounges.' + 'very-long-issuer-'.repeat(12) + 'example');
    const texts = ['x', 'a.b.c', 'A'.repeat(100), long];
    for (const [i, text] of texts.entries()) {
      expect(await zbar((await renderQr(text)).png, `text-${i}`)).toBe(text);
    }
  });

  it('scans at 2 px per module too', async () => {
    const token = await signedToken('http://localhost:8080');
    expect(await zbar((await renderQr(token, { scale: 2 })).png, 'small')).toBe(token);
  });
});
