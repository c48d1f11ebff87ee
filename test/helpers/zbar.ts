import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { which } from './tools.ts';

/**
 * Decodes the QR code in a PNG (bytes or a file path) with `zbarimg --raw -q` and returns its
 * text. Throws, with zbarimg's stderr, when the image holds no readable code.
 */
export async function decodeQr(png: Uint8Array | string): Promise<string> {
  const bin = which('zbarimg');
  if (!bin) throw new Error('zbarimg not found: apt-get install zbar-tools');
  const dir = typeof png === 'string' ? undefined : mkdtempSync(join(tmpdir(), 'lounge-zbar-'));
  const file = dir ? join(dir, 'code.png') : (png as string);
  try {
    if (dir) writeFileSync(file, png);
    const { stdout } = await new Promise<{ stdout: string }>((resolve, reject) => {
      // QR only: zbar otherwise also tries 1D symbologies that can misread noise.
      execFile(
        bin,
        ['--raw', '-q', '-Sdisable', '-Sqrcode.enable', file],
        (err, stdout, stderr) => {
          if (err) {
            const why = stderr.trim() || (err.code === 4 ? 'no code found' : err.message);
            reject(new Error(`zbarimg could not decode ${file}: ${why}`));
          } else resolve({ stdout });
        },
      );
    });
    // --raw prints the payload followed by one newline per symbol.
    return stdout.replace(/\n$/, '');
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}
