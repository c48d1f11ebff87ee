import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { databaseCheck, diskCheck, scannerChecks } from './local-checks.ts';
import { clockCheck } from './network-checks.ts';

const dirs: string[] = [];
const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'provision-doctor-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('clockCheck', () => {
  const date = 'Wed, 25 Nov 2026 12:00:00 GMT';
  const at = Date.parse(date);

  it('passes within the skew and says by how much', () => {
    expect(clockCheck(date, at + 29_000, at + 31_000, 120)).toEqual({
      name: 'clock',
      ok: true,
      detail: '30 s ahead of the cloud (limit 120 s)',
    });
  });

  it('fails beyond the skew with a hint, and without a Date header', () => {
    const late = clockCheck(date, at - 300_000, at - 300_000, 120);
    expect(late).toMatchObject({ ok: false, detail: '300 s behind the cloud (limit 120 s)' });
    expect(late.hint).toMatch(/ntp/i);
    expect(clockCheck(null, at, at, 120)).toMatchObject({ ok: false });
  });
});

describe('local checks', () => {
  it('disk fails under the threshold and walks up to an existing folder', async () => {
    const dir = tempDir();
    const missing = join(dir, 'not', 'yet');
    expect(await diskCheck(missing, 1)).toMatchObject({
      ok: true,
      detail: expect.stringContaining(`free in ${dir}`),
    });
    expect(await diskCheck(missing, Number.MAX_SAFE_INTEGER)).toMatchObject({ ok: false });
  });

  it('database: absent is fine, a sound file passes, a damaged one fails', () => {
    const dir = tempDir();
    expect(databaseCheck(dir)).toMatchObject({
      ok: true,
      detail: expect.stringContaining('has not run'),
    });
    const db = new Database(join(dir, 'edge.db'));
    db.exec('CREATE TABLE t (x); INSERT INTO t VALUES (1);');
    db.close();
    expect(databaseCheck(dir)).toMatchObject({
      ok: true,
      detail: expect.stringContaining('integrity ok'),
    });
    writeFileSync(
      join(dir, 'edge.db'),
      'this is not a database at all, just text padding'.repeat(100),
    );
    expect(databaseCheck(dir)).toMatchObject({ ok: false });
  });

  it('scanners: serial path present or missing, HID ids found or not', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'ttyFAKE0'), '');
    const toolkit = async () => ({
      listHidDevices: async () => [
        {
          vendorId: 0x5e0,
          productId: 0x1200,
          usagePage: 0x8c,
          usage: 0x02,
          product: null,
          manufacturer: null,
          serialNumber: null,
          path: '/dev/hidraw0',
          suggestedDriver: 'hid-pos' as const,
        },
      ],
      listSerialPorts: async () => [],
      createScanner: () => {
        throw new Error('not used');
      },
    });
    const checks = await scannerChecks(
      [
        { id: 's1', type: 'serial', path: join(dir, 'ttyFAKE0'), baudRate: 9600, suffix: 'cr' },
        { id: 's2', type: 'serial', path: join(dir, 'ttyFAKE1'), baudRate: 9600, suffix: 'cr' },
        { id: 'h1', type: 'hid-pos', vendorId: 0x5e0, productId: 0x1200 },
        { id: 'h2', type: 'hid-pos', vendorId: 0x5e0, productId: 0x1300 },
      ],
      toolkit,
    );
    expect(checks.map((c) => [c.name, c.ok])).toEqual([
      ['scanner s1', true],
      ['scanner s2', false],
      ['scanner h1', true],
      ['scanner h2', false],
    ]);
  });
});
