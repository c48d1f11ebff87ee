import { describe, expect, it } from 'vitest';
import { JsonSyntaxProblem, firstErrorOffset, parseJsonText } from './json-error.ts';

const problemOf = (text: string): JsonSyntaxProblem => {
  try {
    parseJsonText(text);
  } catch (err) {
    if (err instanceof JsonSyntaxProblem) return err;
    throw err;
  }
  throw new Error('parsed');
};

describe('parseJsonText', () => {
  it('names the line and column of a trailing comma', () => {
    const p = problemOf('{\n  "a": 1,\n}\n');
    expect([p.line, p.column]).toEqual([3, 1]);
    expect(p.message).toBe('line 3, column 1: Expected double-quoted property name');
  });

  it('locates errors V8 reports without a position', () => {
    // Node 20: `Unexpected token '}', "{"a": tru}" is not valid JSON` (no position).
    const p = problemOf('{\n  "api": {"port": tru}\n}');
    expect([p.line, p.column]).toEqual([2, 19]);
    expect(p.message).toMatch(/^line 2, column 19: Unexpected token/);
    expect(p.message).not.toContain('is not valid JSON');
  });

  it('points past the end of a cut-short file', () => {
    const p = problemOf('{\n  "a": [1, 2');
    expect([p.line, p.column]).toEqual([2, 13]);
  });

  it('accepts a BOM and valid JSON', () => {
    expect(parseJsonText('\ufeff{"a":[1,true,null,"x"]}')).toEqual({ a: [1, true, null, 'x'] });
  });

  it('finds the first bad character by itself', () => {
    expect(firstErrorOffset('{"a":1 "b":2}')).toBe(7);
    expect(firstErrorOffset('[1,]')).toBe(3);
    expect(firstErrorOffset('"abc')).toBe(4);
    expect(firstErrorOffset('{"a":01}')).toBe(6);
  });
});
