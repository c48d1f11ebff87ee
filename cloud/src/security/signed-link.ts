import { createHmac, timingSafeEqual } from 'node:crypto';

/** A signed link's query parameters: `?exp=<seconds>&sig=<base64url HMAC>`. */
export interface LinkSignature {
  exp: number;
  sig: string;
}

// One spelling per link (SPEC.md 5): a decimal exp without leading zeros, and the canonical
// base64url of the 32-byte HMAC: 43 characters, the last one with its 2 spare bits zero.
const EXP_RE = /^(0|[1-9]\d{0,11})$/;
const SIG_RE = /^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/;

function mac(path: string, exp: number, secret: Uint8Array): Buffer {
  // A newline cannot occur in a URL path, so `path` and `exp` cannot run into each other.
  return createHmac('sha256', secret).update(`${path}\n${exp}`).digest();
}

/**
 * Signs `path` (e.g. `/v1/invitations/inv_…/qr.png`) until `expSeconds`, so an email client
 * can fetch it without an API key (SPEC.md section 5).
 */
export function signLink(path: string, expSeconds: number, secret: Uint8Array): LinkSignature {
  if (!Number.isSafeInteger(expSeconds) || expSeconds < 0) {
    throw new RangeError(`signLink: exp must be a whole number of seconds, got ${expSeconds}`);
  }
  return { exp: expSeconds, sig: mac(path, expSeconds, secret).toString('base64url') };
}

/** What a link's query says: signed by us and still ahead, signed but past `exp`, or not ours. */
export type LinkCheck = 'valid' | 'expired' | 'invalid';

/**
 * Checks `?exp=&sig=` for `path`: `invalid` unless both are in their one canonical spelling and
 * the HMAC matches (compared in constant time); then `expired` once `exp` is reached. Never throws.
 */
export function checkLink(
  path: string,
  exp: string | number,
  sig: string,
  secret: Uint8Array,
  nowSeconds: number,
): LinkCheck {
  const expText = typeof exp === 'number' ? String(exp) : exp;
  if (typeof expText !== 'string' || !EXP_RE.test(expText)) return 'invalid';
  if (typeof sig !== 'string' || !SIG_RE.test(sig)) return 'invalid';
  const expSeconds = Number(expText);
  try {
    const expected = mac(path, expSeconds, secret);
    const given = Buffer.from(sig, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'invalid';
  } catch {
    return 'invalid';
  }
  return nowSeconds >= expSeconds ? 'expired' : 'valid';
}

/** Whether `sig` signs `path` until `exp` and `exp` is still ahead. Never throws. */
export function verifyLink(
  path: string,
  exp: string | number,
  sig: string,
  secret: Uint8Array,
  nowSeconds: number,
): boolean {
  return checkLink(path, exp, sig, secret, nowSeconds) === 'valid';
}
