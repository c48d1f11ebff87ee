import { describe, expect, it } from 'vitest';
import { logFormatFor, prettyDestination, prettyLogLine } from './log-line.ts';

const time = (ms: number) => `T${ms}`;

describe('prettyLogLine', () => {
  it('prints time, level, message and the other fields as key=value', () => {
    const line = JSON.stringify({
      level: 30,
      time: 42,
      pid: 1,
      hostname: 'box',
      service: 'lounge-edge',
      msg: 'lounge-edge started',
      url: 'http://127.0.0.1:8081',
      scanners: 2,
      name: 'two words',
    });
    expect(prettyLogLine(line, time)).toBe(
      'T42 INFO  lounge-edge started url=http://127.0.0.1:8081 scanners=2 name="two words"',
    );
  });

  it('shows an error by its message, never its stack', () => {
    const line = JSON.stringify({
      level: 50,
      time: 1,
      msg: 'scan failed',
      err: {
        type: 'Error',
        message: 'boom\nmore',
        stack: 'Error: boom\n    at x.ts:1',
        code: 'E1',
      },
    });
    expect(prettyLogLine(line, time)).toBe('T1 ERROR scan failed err="boom (E1)"');
  });

  it('leaves a line that is not JSON alone, and writes one line per event', () => {
    expect(prettyLogLine('plain text\n', time)).toBe('plain text');
    const lines: string[] = [];
    prettyDestination((l) => lines.push(l), time).write('{"level":40,"time":5,"msg":"careful"}\n');
    expect(lines).toEqual(['T5 WARN  careful\n']);
  });

  it('picks pretty on a terminal and JSON elsewhere unless configured', () => {
    expect(logFormatFor(undefined, true)).toBe('pretty');
    expect(logFormatFor(undefined, false)).toBe('json');
    expect(logFormatFor('json', true)).toBe('json');
  });
});
