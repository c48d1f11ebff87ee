import { readFileSync } from 'node:fs';
import { isEd25519PublicJwk, type Ed25519PrivateJwk } from '@lounge/shared';
import { isModeTooWide } from './config.ts';
import { EdgeError } from './errors.ts';

const D_RE = /^[A-Za-z0-9_-]{43}$/;

/**
 * Reads the device's Ed25519 private JWK (the sync signs device assertions with it). A missing
 * or wrong file is a config error naming `deviceKeyFile`; a mode wider than 0600 is a warning.
 */
export function loadDeviceKey(path: string): { jwk: Ed25519PrivateJwk; warnings: string[] } {
  const fail = (why: string): never => {
    throw new EdgeError('DEVICE_KEY_INVALID', [`config: deviceKeyFile: ${path} ${why}`]);
  };
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    fail((err as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : 'is not readable');
  }
  let jwk: unknown;
  try {
    jwk = JSON.parse(text);
  } catch {
    fail('is not JSON (expected an Ed25519 private JWK)');
  }
  const d = (jwk as { d?: unknown } | null)?.d;
  if (!isEd25519PublicJwk(jwk) || typeof d !== 'string' || !D_RE.test(d)) {
    fail('does not hold an Ed25519 private JWK (kty OKP, crv Ed25519, x, d)');
  }
  const warnings = isModeTooWide(path)
    ? [`deviceKeyFile ${path} is readable by group or others; chmod 600 it`]
    : [];
  return { jwk: jwk as Ed25519PrivateJwk, warnings };
}
