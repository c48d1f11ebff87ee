import { describe, expect, it } from 'vitest';
import { hashPassword, newDevicePassword, verifyPassword } from './passwords.ts';

// Low cost keeps the suite fast; the default cost is exercised once.
const cheap = { N: 2 ** 10 };

describe('device passwords', () => {
  it('are 256-bit random base64url strings', () => {
    const a = newDevicePassword();
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(newDevicePassword()).not.toBe(a);
  });

  it('verify against their scrypt hash and nothing else', async () => {
    const password = newDevicePassword();
    const stored = await hashPassword(password);
    expect(stored).toMatch(/^scrypt\$4096\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(await verifyPassword(password, stored)).toBe(true);
    expect(await verifyPassword(password + 'x', stored)).toBe(false);
    expect(await verifyPassword(newDevicePassword(), stored)).toBe(false);
  });

  it('salts every hash', async () => {
    const password = newDevicePassword();
    const a = await hashPassword(password, cheap);
    const b = await hashPassword(password, cheap);
    expect(a).not.toBe(b);
    expect(await verifyPassword(password, a)).toBe(true);
    expect(await verifyPassword(password, b)).toBe(true);
  });

  it('returns false, never throws, on tampered or malformed hashes', async () => {
    const password = newDevicePassword();
    const stored = await hashPassword(password, cheap);
    const parts = stored.split('$');
    const tampered = [
      ...parts.slice(0, 5),
      (parts[5]!.startsWith('A') ? 'B' : 'A') + parts[5]!.slice(1),
    ];
    expect(await verifyPassword(password, tampered.join('$'))).toBe(false);
    expect(await verifyPassword(password, stored.replace('$1024$', '$1000$'))).toBe(false);
    expect(await verifyPassword(password, stored.replace('$1024$', '$1073741824$'))).toBe(false);
    expect(await verifyPassword(password, '')).toBe(false);
    expect(await verifyPassword(password, 'plain')).toBe(false);
    expect(await verifyPassword(undefined as unknown as string, stored)).toBe(false);
  });
});
