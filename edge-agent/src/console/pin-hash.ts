import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/** A desk PIN: 6 or more digits (SPEC.md 7 `add-staff`); 32 is plenty and bounds the work. */
export const PIN_RE = /^\d{6,32}$/;

/** A staff name: letters, digits, spaces, `.`, `_`, `-`; 1–64 characters (the event's limit). */
export const STAFF_NAME_RE = /^[\p{L}\p{N}][\p{L}\p{N} ._-]{0,63}$/u;

/** Normalises a typed name (NFC, trimmed), so "Ana " and "Ana" sign in as one person. */
export const normaliseStaffName = (name: string): string => name.normalize('NFC').trim();

// scrypt at N=2^14, r=8 (16 MiB, ~50 ms on a lounge box): a 6-digit PIN has only a million
// values, so the hash is what keeps a copied database from giving them all away in seconds.
const PARAMS = { N: 16_384, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;

function derive(pin: string, salt: Buffer, o: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(pin, salt, KEY_LENGTH, { ...o, maxmem: 64 * 1024 * 1024 }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

/** `scrypt$N$r$p$salt$hash` (base64url), the form stored in the box's `staff` table. */
export async function hashPin(pin: string, random = randomBytes): Promise<string> {
  const salt = random(16);
  const key = await derive(pin, salt, PARAMS);
  const { N, r, p } = PARAMS;
  return ['scrypt', N, r, p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** True when `pin` matches a stored hash; a malformed hash never matches. Constant time. */
export async function verifyPin(pin: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  if (![N, r, p].every(Number.isSafeInteger) || N > 1 << 20) return false;
  const expected = Buffer.from(parts[5]!, 'base64url');
  if (expected.length !== KEY_LENGTH) return false;
  const key = await derive(pin, Buffer.from(parts[4]!, 'base64url'), { N, r, p });
  return timingSafeEqual(key, expected);
}

let dummy: Promise<string> | undefined;

/** Spends the time of one check for a name nobody has, so names cannot be told by timing. */
export async function verifyNobody(pin: string): Promise<false> {
  dummy ??= hashPin('000000');
  await verifyPin(pin, await dummy);
  return false;
}
