import { describe, expect, it } from 'vitest';
import { parseConfig } from './config.ts';
import { EdgeError } from './errors.ts';

const valid = {
  deviceId: 'dev_01JD0000000000000000000001',
  loungeId: 'MAD-T4S-VELAZQUEZ',
  cloudUrl: 'http://cloud.test',
  issuer: 'http://cloud.test',
  deviceKeyFile: 'key.json',
  api: { token: 'a-token-of-16-chars' },
};

function linesOf(raw: unknown): string[] {
  try {
    parseConfig(raw, '/etc/lounge-edge');
  } catch (err) {
    if (err instanceof EdgeError) return err.lines;
    throw err;
  }
  return [];
}

describe('parseConfig', () => {
  it('fills every default and resolves paths against the config folder', () => {
    const { config, warnings } = parseConfig(valid, '/etc/lounge-edge');
    expect(config).toMatchObject({
      deviceKeyFile: '/etc/lounge-edge/key.json',
      dataDir: '/var/lib/lounge-edge',
      mqtt: null,
      ibdp: null,
      api: { host: '127.0.0.1', port: 8081 },
      scanners: [],
      turnstile: { webhookUrl: null },
      clockSkewSeconds: 120,
    });
    expect(config).not.toHaveProperty('regrantWindowSeconds');
    expect(warnings).toEqual([]);
  });

  it('names each bad field on its own line', () => {
    expect(linesOf({ ...valid, api: { ...valid.api, port: 'abc' } })).toEqual([
      'config: api.port: expected a number, got "abc"',
    ]);
    expect(linesOf({ ...valid, deviceId: undefined, clockSkewSeconds: -1 })).toEqual([
      'config: deviceId: is required (expected a string)',
      expect.stringMatching(/^config: clockSkewSeconds: .*>=0.*, got -1$/),
    ]);
    expect(linesOf({ ...valid, turnstile: { webhookUrl: 'ftp://x' } })).toEqual([
      'config: turnstile.webhookUrl: expected an http(s) URL, got "ftp://x"',
    ]);
    expect(linesOf({ ...valid, api: { ...valid.api, prot: 1 } })).toEqual([
      'config: api: unknown key prot',
    ]);
  });

  it('checks scanners with the driver schema and refuses duplicate ids', () => {
    const lines = linesOf({
      ...valid,
      scanners: [
        { id: 'gate1', type: 'serial', path: '/dev/ttyUSB0' },
        { id: 'gate1', type: 'stdin' },
      ],
    });
    expect(lines).toEqual(['config: scanners.1.id: duplicate scanner id "gate1"']);
    expect(linesOf({ ...valid, scanners: [{ id: 'g', type: 'laser' }] })[0]).toMatch(
      /^config: scanners\.0\.type: /,
    );
  });

  it('warns about unknown top-level keys instead of failing', () => {
    expect(parseConfig({ ...valid, colour: 'blue' }, '/x').warnings).toEqual([
      'config: colour: unknown key, ignored',
    ]);
  });

  it('still starts with the retired regrantWindowSeconds, with one warning line', () => {
    for (const value of [10, 0, 'ten', null]) {
      const { config, warnings } = parseConfig({ ...valid, regrantWindowSeconds: value }, '/x');
      expect(config).not.toHaveProperty('regrantWindowSeconds');
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/^config: regrantWindowSeconds: no longer used, ignored \(/);
    }
  });
});
