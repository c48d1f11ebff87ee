import { scrypt, timingSafeEqual } from 'node:crypto';
import { randomSecret, toBase64url, type RandomSource } from './random.ts';

/**
 * scrypt cost. Device passwords are 256-bit random, so no cost makes guessing feasible; a
 * modest N keeps a fleet's reconnect storm cheap for the broker that checks them.
 */
export interface PasswordHashOptions {
  /** CPU/memory cost, a power of two. Default 2^12 (about 12 ms). */
  N?: number;
  r?: number;
  p?: number;
  random?: RandomSource;
}

const KEY_LENGTH = 32;
const SALT_BYTES = 16;
const PREFIX = 'scrypt';

type ScryptParams = { N: number; r: number; p: number };

/**
 * Async scrypt: it runs on libuv's thread pool, never on the event loop. How many run at once
 * is bounded by the caller (the broker's logins go through `createBoundedWork`).
 */
function derive(password: string, salt: Buffer, o: ScryptParams): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const maxmem = 256 * o.N * o.r + 1024 * 1024;
    scrypt(password, salt, KEY_LENGTH, { ...o, maxmem }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

/** A new MQTT password for a device: 32 random bytes, base64url (43 characters). */
export const newDevicePassword = (random: RandomSource = randomSecret): string =>
  toBase64url(random(32));

/** `scrypt$N$r$p$<salt b64url>$<hash b64url>`: the parameters travel with the hash. */
export async function hashPassword(
  password: string,
  opts: PasswordHashOptions = {},
): Promise<string> {
  const params = { N: opts.N ?? 2 ** 12, r: opts.r ?? 8, p: opts.p ?? 1 };
  const salt = Buffer.from((opts.random ?? randomSecret)(SALT_BYTES));
  const key = await derive(password, salt, params);
  return [
    PREFIX,
    params.N,
    params.r,
    params.p,
    salt.toString('base64url'),
    key.toString('base64url'),
  ].join('$');
}

const STORED_RE =
  /^scrypt\$(\d{1,8})\$(\d{1,3})\$(\d{1,3})\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]{43})$/;

/** Whether `password` matches a `hashPassword` result; false (never throws) on any bad input. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  if (typeof password !== 'string' || typeof stored !== 'string') return false;
  const m = STORED_RE.exec(stored);
  if (!m) return false;
  const [N, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  // Refuse parameters no hash of ours has, so a tampered row cannot pin the CPU.
  if (N < 2 || N > 2 ** 20 || (N & (N - 1)) !== 0 || r < 1 || r > 32 || p < 1 || p > 16)
    return false;
  try {
    const key = await derive(password, Buffer.from(m[4]!, 'base64url'), { N, r, p });
    const expected = Buffer.from(m[5]!, 'base64url');
    return expected.length === key.length && timingSafeEqual(key, expected);
  } catch {
    return false;
  }
}
