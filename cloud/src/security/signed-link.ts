import { createHmac, timingSafeEqual } from 'node:crypto';

/** A signed link's query parameters: `?exp=<seconds>&sig=<base64url HMAC>`. */
export interface LinkSignature {
  exp: number;
  sig: string;
}

const EXP_RE = /^\d{1,12}$/;
// HMAC-SHA256 is 32 bytes: 43 base64url characters without padding.
const SIG_RE = /^[A-Za-z0-9_-]{43}$/;

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

/** Whether `sig` signs `path` until `exp` and `exp` is still ahead. Never throws. */
export function verifyLink(
  path: string,
  exp: string | number,
  sig: string,
  secret: Uint8Array,
  nowSeconds: number,
): boolean {
  const expText = typeof exp === 'number' ? String(exp) : exp;
  if (typeof expText !== 'string' || !EXP_RE.test(expText)) return false;
  if (typeof sig !== 'string' || !SIG_RE.test(sig)) return false;
  const expSeconds = Number(expText);
  if (nowSeconds >= expSeconds) return false;
  try {
    const expected = mac(path, expSeconds, secret);
    const given = Buffer.from(sig, 'base64url');
    return given.length === expected.length && timingSafeEqual(given, expected);
  } catch {
    return false;
  }
}
