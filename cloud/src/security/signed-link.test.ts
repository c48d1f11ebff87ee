import { describe, expect, it } from 'vitest';
import { signLink, verifyLink } from './signed-link.ts';

const secret = new Uint8Array(32).fill(7);
const path = '/v1/invitations/inv_01JD00000000000000000000AB/qr.png';
const NOW = 1_790_000_000;

describe('signed links', () => {
  it('verifies its own signature until exp', () => {
    const { exp, sig } = signLink(path, NOW + 600, secret);
    expect(exp).toBe(NOW + 600);
    expect(sig).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(verifyLink(path, exp, sig, secret, NOW)).toBe(true);
    expect(verifyLink(path, String(exp), sig, secret, NOW + 599)).toBe(true);
  });

  it('refuses an expired link', () => {
    const { exp, sig } = signLink(path, NOW + 600, secret);
    expect(verifyLink(path, exp, sig, secret, NOW + 600)).toBe(false);
    expect(verifyLink(path, exp, sig, secret, NOW + 10_000)).toBe(false);
  });

  it('refuses another path, a moved exp, a flipped signature or another secret', () => {
    const { exp, sig } = signLink(path, NOW + 600, secret);
    expect(verifyLink(path.replace('png', 'svg'), exp, sig, secret, NOW)).toBe(false);
    expect(verifyLink(path, exp + 1, sig, secret, NOW)).toBe(false);
    const flipped = (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1);
    expect(verifyLink(path, exp, flipped, secret, NOW)).toBe(false);
    expect(verifyLink(path, exp, sig, new Uint8Array(32).fill(8), NOW)).toBe(false);
  });

  it('returns false, never throws, on malformed input', () => {
    const { exp, sig } = signLink(path, NOW + 600, secret);
    for (const badExp of ['', 'abc', '-1', '1e12', ' 1', `${exp}.0`, '9'.repeat(40)]) {
      expect(verifyLink(path, badExp, sig, secret, NOW)).toBe(false);
    }
    for (const badSig of ['', 'x', sig + 'A', sig.slice(1) + '=', sig.replace(/./, '+')]) {
      expect(verifyLink(path, exp, badSig, secret, NOW)).toBe(false);
    }
    const u = undefined as unknown as string;
    expect(verifyLink(path, u, u, secret, NOW)).toBe(false);
  });

  it('accepts one spelling only: no other last sig character, no leading zero in exp', () => {
    const { exp, sig } = signLink(path, NOW + 600, secret);
    // 43 base64url characters carry 258 bits for a 256-bit MAC: the last one has 2 spare bits,
    // so 4 characters decode to the same bytes. Only the one with zero spare bits is the link.
    const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = B64.indexOf(sig.at(-1)!);
    const aliases = [1, 2, 3].map((bits) => sig.slice(0, -1) + B64[last | bits]);
    for (const alias of aliases) {
      expect(Buffer.from(alias, 'base64url')).toEqual(Buffer.from(sig, 'base64url'));
      expect(verifyLink(path, exp, alias, secret, NOW), alias).toBe(false);
    }
    for (const padded of [`0${exp}`, `00${exp}`, `+${exp}`]) {
      expect(verifyLink(path, padded, sig, secret, NOW), padded).toBe(false);
    }
    expect(verifyLink(path, String(exp), sig, secret, NOW)).toBe(true);
  });

  it('refuses an exp that is not a whole number of seconds when signing', () => {
    expect(() => signLink(path, 1.5, secret)).toThrow(RangeError);
  });
});
