import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SigningKeyError } from './errors.ts';

/** The minimum a logger must offer here; pino's logger fits. */
export interface WarnLogger {
  warn(obj: Record<string, unknown>, msg: string): void;
  info(obj: Record<string, unknown>, msg: string): void;
}

export interface LoadKekOptions {
  /** The value of `KEY_ENCRYPTION_KEY` (unset or empty: use the key file). */
  env: string | undefined;
  /** The cloud's data dir; the key file is `<dataDir>/key-encryption.key`. */
  dataDir: string;
  log: WarnLogger;
}

/** File name of the generated key-encryption key inside the data dir. */
export const KEK_FILE = 'key-encryption.key';

const B64_RE = /^[A-Za-z0-9+/_-]+={0,2}$/;

/** Decodes a key-encryption key; throws naming `source` unless it is 32 bytes of base64. */
export function decodeKek(text: string, source: string): Uint8Array {
  const trimmed = text.trim();
  const bytes = B64_RE.test(trimmed)
    ? Buffer.from(trimmed, trimmed.includes('-') || trimmed.includes('_') ? 'base64url' : 'base64')
    : Buffer.alloc(0);
  if (!B64_RE.test(trimmed) || bytes.length !== 32) {
    const got = B64_RE.test(trimmed) ? `${bytes.length} bytes` : 'not base64';
    throw new SigningKeyError(
      'KEY_ENCRYPTION_KEY_INVALID',
      `${source} must be 32 bytes encoded in base64 (got ${got}); make one with: openssl rand -base64 32`,
    );
  }
  return new Uint8Array(bytes);
}

/**
 * The key-encryption key that seals signing keys at rest (SPEC.md section 3): from
 * `KEY_ENCRYPTION_KEY`, else from `<dataDir>/key-encryption.key`, created (0600) on first
 * start with a warning, since a key beside the data protects only against a leaked database.
 */
export function loadKek(opts: LoadKekOptions): { kek: Uint8Array; source: 'env' | 'file' } {
  if (opts.env !== undefined && opts.env.trim() !== '') {
    return { kek: decodeKek(opts.env, 'KEY_ENCRYPTION_KEY'), source: 'env' };
  }
  const path = join(opts.dataDir, KEK_FILE);
  mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  try {
    // `wx`: if another instance created it first, we read theirs instead of overwriting it.
    writeFileSync(path, randomBytes(32).toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
    opts.log.warn(
      { path },
      'KEY_ENCRYPTION_KEY is not set: created a key-encryption key file; back it up and prefer KEY_ENCRYPTION_KEY in production',
    );
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    // Warned once, when the file was created; every admin command repeating it was noise.
    opts.log.info(
      { path },
      'KEY_ENCRYPTION_KEY is not set: using the key-encryption key file in the data dir',
    );
  }
  const mode = statSync(path).mode & 0o777;
  if (mode & 0o077) {
    opts.log.warn(
      { path, mode: mode.toString(8) },
      'the key-encryption key file is readable by others; chmod 600 it',
    );
  }
  return { kek: decodeKek(readFileSync(path, 'utf8'), path), source: 'file' };
}
