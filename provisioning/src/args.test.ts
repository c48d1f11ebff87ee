import { describe, expect, it } from 'vitest';
import { parseInteger, parseVerbArgs, type VerbSpec } from './args.ts';
import { UsageError } from './errors.ts';

const spec: VerbSpec = {
  usage: 'x --config C --id ID [--json]',
  options: {
    config: { type: 'string', value: 'C', help: 'the config' },
    id: { type: 'string', required: true, value: 'ID', help: 'the id' },
    json: { type: 'boolean', help: 'as JSON' },
  },
  example: 'x --config c.json --id a',
};

const usageError = (fn: () => unknown): UsageError => {
  try {
    fn();
  } catch (err) {
    if (err instanceof UsageError) return err;
    throw err;
  }
  throw new Error('no UsageError thrown');
};

describe('parseVerbArgs', () => {
  it('parses string and boolean flags', () => {
    expect(parseVerbArgs(spec, ['--id', 'gate1', '--json', '--config=/tmp/c.json'])).toEqual({
      id: 'gate1',
      json: true,
      config: '/tmp/c.json',
    });
  });

  it('names an unknown flag and shows the usage line, exit code 2', () => {
    const err = usageError(() => parseVerbArgs(spec, ['--id', 'a', '--colour', 'red']));
    expect(err.message).toBe('unknown option --colour. Usage: x --config C --id ID [--json]');
    expect(err.exitCode).toBe(2);
  });

  it('refuses a missing required flag, a flag without value and stray words', () => {
    expect(usageError(() => parseVerbArgs(spec, [])).message).toMatch(/^--id is required\./);
    expect(usageError(() => parseVerbArgs(spec, ['--id'])).message).toMatch(/^--id needs a value/);
    expect(usageError(() => parseVerbArgs(spec, ['--id', ''])).message).toMatch(
      /^--id needs a value/,
    );
    expect(usageError(() => parseVerbArgs(spec, ['--id', 'a', 'extra'])).message).toMatch(
      /^unexpected argument extra/,
    );
  });
});

describe('parseInteger', () => {
  it('reads decimal and 0x hex', () => {
    expect(parseInteger('1504', '--vendor-id', 'u')).toBe(1504);
    expect(parseInteger('0x05e0', '--vendor-id', 'u')).toBe(0x05e0);
    expect(parseInteger('0X05E0', '--vendor-id', 'u')).toBe(0x05e0);
  });

  it('refuses anything else, naming the flag', () => {
    for (const bad of ['05e0', '12abc', '-1', '1.5', '0x', '']) {
      expect(() => parseInteger(bad, '--vendor-id', 'u')).toThrow(/^--vendor-id must be a number/);
    }
  });
});
