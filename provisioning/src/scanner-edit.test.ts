import { describe, expect, it } from 'vitest';
import { removeScanner, scannerFromFlags, upsertScanner } from './scanner-edit.ts';

const U = 'usage';

describe('scannerFromFlags', () => {
  it('builds a serial scanner with the schema defaults', () => {
    expect(scannerFromFlags({ id: 'gate1', type: 'serial', path: '/dev/ttyUSB0' }, U)).toEqual({
      id: 'gate1',
      type: 'serial',
      path: '/dev/ttyUSB0',
      baudRate: 9600,
      suffix: 'crlf',
    });
    expect(
      scannerFromFlags(
        { id: 'g', type: 'serial', path: '/dev/ttyACM0', baud: '115200', suffix: 'cr' },
        U,
      ),
    ).toMatchObject({ baudRate: 115200, suffix: 'cr' });
  });

  it('reads USB ids in hex or decimal', () => {
    const hex = scannerFromFlags(
      { id: 'g', type: 'hid-pos', 'vendor-id': '0x05e0', 'product-id': '0x1200' },
      U,
    );
    const dec = scannerFromFlags(
      { id: 'g', type: 'hid-pos', 'vendor-id': '1504', 'product-id': '4608' },
      U,
    );
    expect(hex).toEqual({ id: 'g', type: 'hid-pos', vendorId: 0x05e0, productId: 0x1200 });
    expect(dec).toEqual(hex);
    expect(
      scannerFromFlags(
        { id: 'k', type: 'hid-keyboard', 'vendor-id': '1', 'product-id': '2', layout: 'es' },
        U,
      ),
    ).toMatchObject({ layout: 'es' });
  });

  it('names the bad flag', () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ id: 'g', type: 'laser' }, /^--type must be one of/],
      [{ id: 'g', type: 'serial' }, /needs --path/],
      [{ id: 'g', type: 'hid-pos', 'vendor-id': '1' }, /needs --vendor-id and --product-id/],
      [
        { id: 'g', type: 'hid-pos', 'vendor-id': '0x1ffff', 'product-id': '1' },
        /^--vendor-id is invalid/,
      ],
      [{ id: 'g', type: 'serial', path: '/dev/x', suffix: 'nl' }, /^--suffix is invalid/],
      [
        { id: 'g', type: 'serial', path: '/dev/x', layout: 'es' },
        /--layout does not apply to a serial/,
      ],
      [{ id: 'bad id!', type: 'stdin' }, /^--id is invalid/],
    ];
    for (const [flags, message] of cases) expect(() => scannerFromFlags(flags, U)).toThrow(message);
  });
});

describe('upsertScanner / removeScanner', () => {
  const a = { id: 'a', type: 'stdin' as const };
  const b = { id: 'b', type: 'stdin' as const };

  it('adds, replaces in place, removes', () => {
    expect(upsertScanner([a], b)).toEqual({ scanners: [a, b], replaced: false });
    const serial = {
      id: 'a',
      type: 'serial' as const,
      path: '/dev/ttyS0',
      baudRate: 9600,
      suffix: 'cr' as const,
    };
    expect(upsertScanner([a, b], serial)).toEqual({ scanners: [serial, b], replaced: true });
    expect(removeScanner([a, b], 'a')).toEqual({ scanners: [b], removed: true });
    expect(removeScanner([a, b], 'zz')).toEqual({ scanners: [a, b], removed: false });
  });
});
