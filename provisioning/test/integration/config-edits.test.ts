import { chmodSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { oneLine, provision, tempDir } from './cli-harness.ts';

// The verbs that only touch the config file, run through the real bin.
const { dir, cleanup } = tempDir();
afterAll(cleanup);

const config = join(dir, 'config.json');
const base = {
  deviceId: 'dev_01JDQ5S3Z4W8X9Y0ABCDEFGHJK',
  loungeId: 'MAD-T4S-VELAZQUEZ',
  scanners: [{ id: 'gate1', type: 'stdin' }],
  extraKeyTheAgentMayAdd: { kept: true },
};
const read = () => JSON.parse(readFileSync(config, 'utf8')) as typeof base;

describe('add-scanner / remove-scanner / udev-rules', () => {
  it('adds a HID scanner from hex ids, keeps the other keys and the file mode', async () => {
    writeFileSync(config, JSON.stringify(base));
    chmodSync(config, 0o640);
    const r = await provision([
      'add-scanner',
      '--config',
      config,
      '--id',
      'pos1',
      '--type',
      'hid-pos',
      '--vendor-id',
      '0x05e0',
      '--product-id',
      '4608',
    ]);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toContain('added scanner pos1 (hid-pos)');
    expect(read().scanners).toEqual([
      { id: 'gate1', type: 'stdin' },
      { id: 'pos1', type: 'hid-pos', vendorId: 0x05e0, productId: 0x1200 },
    ]);
    expect(read().extraKeyTheAgentMayAdd).toEqual({ kept: true });
    expect(statSync(config).mode & 0o777).toBe(0o640);
    expect(readdirSync(dir)).toEqual(['config.json']); // no temp file left behind
  });

  it('replaces a scanner with the same id', async () => {
    const r = await provision([
      'add-scanner',
      '--config',
      config,
      '--id',
      'gate1',
      '--type',
      'serial',
      '--path',
      '/dev/ttyUSB0',
      '--suffix',
      'cr',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('replaced scanner gate1 (serial)');
    expect(read().scanners[0]).toEqual({
      id: 'gate1',
      type: 'serial',
      path: '/dev/ttyUSB0',
      baudRate: 9600,
      suffix: 'cr',
    });
  });

  it('prints udev rules for what is configured', async () => {
    const r = await provision(['udev-rules', '--config', config]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      'SUBSYSTEM=="tty", KERNEL=="ttyUSB0", MODE="0660", GROUP="lounge-edge"',
    );
    expect(r.stdout).toContain(
      'SUBSYSTEM=="hidraw", ATTRS{idVendor}=="05e0", ATTRS{idProduct}=="1200"',
    );
  });

  it('removes a scanner; an unknown id fails in one line', async () => {
    expect((await provision(['remove-scanner', '--config', config, '--id', 'pos1'])).code).toBe(0);
    expect(read().scanners.map((s) => s.id)).toEqual(['gate1']);
    const r = await provision(['remove-scanner', '--config', config, '--id', 'pos1']);
    expect(r.code).toBe(1);
    expect(oneLine(r.stderr)).toBe(`lounge-provision: There is no scanner pos1 in ${config}.`);
  });

  it('bad flags: one line with the usage, exit 2, file untouched', async () => {
    const before = readFileSync(config, 'utf8');
    const r = await provision([
      'add-scanner',
      '--config',
      config,
      '--id',
      'x',
      '--type',
      'hid-pos',
      '--vendor-id',
      'zebra',
      '--product-id',
      '1',
    ]);
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toMatch(
      /^lounge-provision: --vendor-id must be a number .* Usage: lounge-provision add-scanner /,
    );
    expect(readFileSync(config, 'utf8')).toBe(before);
  });

  it('an unwritable config folder fails in one line', async () => {
    chmodSync(dir, 0o500);
    try {
      const r = await provision([
        'add-scanner',
        '--config',
        config,
        '--id',
        'c',
        '--type',
        'stdin',
      ]);
      // root ignores folder modes; then the write simply succeeds
      if (process.getuid?.() === 0) expect(r.code).toBe(0);
      else
        expect(oneLine(r.stderr)).toMatch(
          /^lounge-provision: Cannot write .*: permission denied\.$/,
        );
    } finally {
      chmodSync(dir, 0o700);
    }
  });
});

describe('config errors and scanner paths', () => {
  it('takes --suffix and --type in any case, and warns when the path does not exist', async () => {
    writeFileSync(config, JSON.stringify(base));
    const missing = join(dir, 'ttyUSB9');
    const r = await provision([
      'add-scanner',
      '--config',
      config,
      '--id',
      'gate2',
      '--type',
      'Serial',
      '--path',
      missing,
      '--suffix',
      'CR',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('added scanner gate2 (serial)');
    expect(oneLine(r.stderr)).toBe(
      `warning: ${missing} does not exist (yet); check the cable and the path (lounge-provision scanners lists what is plugged in)`,
    );
    expect(read().scanners[1]).toEqual({
      id: 'gate2',
      type: 'serial',
      path: missing,
      baudRate: 9600,
      suffix: 'cr',
    });
    const present = join(dir, 'ttyACM0');
    writeFileSync(present, '');
    const ok = await provision([
      'add-scanner',
      '--config',
      config,
      '--id',
      'gate3',
      '--type',
      'serial',
      '--path',
      present,
      '--suffix',
      'CrLf',
    ]);
    expect(ok).toMatchObject({ code: 0, stderr: '' });
  });

  it('names the line and column of a JSON syntax error, and lists every bad field', async () => {
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{\n  "scanners": [],\n}\n');
    const syntax = await provision(['remove-scanner', '--config', broken, '--id', 'x']);
    expect(syntax.code).toBe(1);
    expect(oneLine(syntax.stderr)).toBe(
      `lounge-provision: ${broken} is not valid JSON: line 3, column 1: Expected double-quoted property name.`,
    );
    const bad = join(dir, 'bad.json');
    writeFileSync(
      bad,
      JSON.stringify({ ...base, loungeId: 'nowhere', cloudUrl: 'ftp://x', clockSkewSeconds: -1 }),
    );
    const fields = await provision(['test-scan', '--config', bad]);
    expect(fields.code).toBe(1);
    const line = oneLine(fields.stderr);
    for (const field of [
      'loungeId',
      'cloudUrl',
      'issuer',
      'deviceKeyFile',
      'api',
      'clockSkewSeconds',
    ]) {
      expect(line).toContain(`${field}: `);
    }
    expect(line).not.toContain('more');
  });
});
