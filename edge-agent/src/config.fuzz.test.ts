import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseConfig } from './config.ts';
import { EdgeError } from './errors.ts';

// The config file is written by hand on site: whatever JSON it holds, the loader answers
// with a valid config or with EdgeError lines naming fields, never another exception.
const valid = {
  deviceId: 'dev_01JD0000000000000000000001',
  loungeId: 'MAD-T4S-VELAZQUEZ',
  cloudUrl: 'http://cloud.test',
  issuer: 'http://cloud.test',
  deviceKeyFile: 'key.json',
  api: { token: 'a-token-of-16-chars' },
};
const FIELDS = [
  'deviceId',
  'loungeId',
  'cloudUrl',
  'issuer',
  'deviceKeyFile',
  'mqtt',
  'ibdp',
  'dataDir',
  'api',
  'scanners',
  'turnstile',
  'clockSkewSeconds',
] as const;

type Outcome = { ok: true } | { ok: false; lines: string[] };

function load(raw: unknown): Outcome {
  try {
    const { config } = parseConfig(raw, '/etc/lounge-edge');
    expect(config.deviceKeyFile.startsWith('/')).toBe(true);
    return { ok: true };
  } catch (err) {
    // Anything but an EdgeError escapes and fails the property.
    if (!(err instanceof EdgeError)) throw err;
    expect(err.code).toBe('CONFIG_INVALID');
    return { ok: false, lines: err.lines };
  }
}

describe('parseConfig under fuzzing', () => {
  it('random JSON gives a config or config: lines, never another exception', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (raw) => {
        const out = load(raw);
        if (!out.ok) {
          expect(out.lines.length).toBeGreaterThan(0);
          for (const line of out.lines) expect(line).toMatch(/^config: \S/);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('one field replaced by random JSON: valid, or the error names that field', () => {
    fc.assert(
      fc.property(fc.constantFrom(...FIELDS), fc.jsonValue({ maxDepth: 3 }), (field, value) => {
        const out = load({ ...valid, [field]: value });
        if (!out.ok) {
          expect(out.lines.length).toBeGreaterThan(0);
          for (const line of out.lines) expect(line.startsWith(`config: ${field}`)).toBe(true);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('random extra keys with random values only warn', () => {
    const extraKey = fc
      .string({ minLength: 1, maxLength: 12 })
      .filter((k) => !(k in valid) && !FIELDS.includes(k as never));
    fc.assert(
      fc.property(
        fc.dictionary(extraKey, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 5 }),
        (extra) => {
          const { warnings } = parseConfig({ ...extra, ...valid }, '/etc/lounge-edge');
          expect(warnings).toHaveLength(Object.keys(extra).filter((k) => k !== '__proto__').length);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
