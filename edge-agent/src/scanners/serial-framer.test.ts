import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SerialFramer } from './serial-framer.ts';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (frames: Uint8Array[]): string[] =>
  frames.map((f) => Buffer.from(f).toString('latin1'));

describe('SerialFramer', () => {
  it('ends a frame at CR, LF or CRLF whatever the configured suffix', () => {
    const framer = new SerialFramer({ suffix: 'crlf' });
    const out = framer.push(enc('one\rtwo\nthree\r\nfour\n\rfive'));
    expect(text(out.frames)).toEqual(['one', 'two', 'three', 'four']);
    expect(text(framer.push(enc('\r')).frames)).toEqual(['five']);
  });

  it('does not yield an empty second frame for CRLF', () => {
    const framer = new SerialFramer({ suffix: 'cr' });
    expect(text(framer.push(enc('abc\r\n\r\n')).frames)).toEqual(['abc']);
  });

  it('joins a frame split across chunks, even between CR and LF', () => {
    const framer = new SerialFramer({ suffix: 'crlf' });
    expect(framer.push(enc('ey')).frames).toEqual([]);
    expect(text(framer.push(enc('J.abc\r')).frames)).toEqual(['eyJ.abc']);
    expect(framer.push(enc('\n')).frames).toEqual([]);
  });

  it('ends at TAB only when the suffix is tab', () => {
    expect(text(new SerialFramer({ suffix: 'tab' }).push(enc('a\tb\t')).frames)).toEqual([
      'a',
      'b',
    ]);
    // Without the tab suffix a tab is edge noise, cleaned off the frame.
    expect(text(new SerialFramer({ suffix: 'cr' }).push(enc('a\t\r')).frames)).toEqual(['a']);
  });

  it('strips STX/ETX, spaces and an AIM identifier', () => {
    const framer = new SerialFramer({ suffix: 'cr' });
    const out = framer.push(Uint8Array.from([0x02, ...enc(' ]Q1eyJ.x.y '), 0x03, 0x0d]));
    expect(text(out.frames)).toEqual(['eyJ.x.y']);
  });

  it('passes bytes that are not valid UTF-8 through untouched', () => {
    const framer = new SerialFramer({ suffix: 'cr' });
    const out = framer.push(Uint8Array.from([0x65, 0xff, 0xc3, 0x28, 0x0d]));
    expect(out.frames).toEqual([Uint8Array.from([0x65, 0xff, 0xc3, 0x28])]);
  });

  it('drops a frame over 4 KiB and resyncs at the next terminator', () => {
    const framer = new SerialFramer({ suffix: 'crlf' });
    const big = enc('x'.repeat(5000));
    const first = framer.push(big.subarray(0, 3000));
    const second = framer.push(
      Uint8Array.from([...big.subarray(3000), 0x0d, 0x0a, ...enc('ok\r\n')]),
    );
    expect(first.dropped + second.dropped).toBe(1);
    expect(text(second.frames)).toEqual(['ok']);
  });

  it('keeps a frame of exactly 4 KiB and drops one of 4 KiB + 1 inside one chunk', () => {
    const framer = new SerialFramer({ suffix: 'cr' });
    const out = framer.push(enc(`${'a'.repeat(4096)}\r${'b'.repeat(4097)}\rc\r`));
    expect(out.frames.map((f) => f.length)).toEqual([4096, 1]);
    expect(out.dropped).toBe(1);
  });

  it('property: random bytes in random chunks never throw and frames stay clean', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 600 }), { maxLength: 20 }), (chunks) => {
        const framer = new SerialFramer({ suffix: 'crlf', maxFrameBytes: 256 });
        for (const chunk of chunks) {
          for (const frame of framer.push(chunk).frames) {
            expect(frame.length).toBeGreaterThan(0);
            expect(frame.length).toBeLessThanOrEqual(256);
            expect(frame.includes(0x0d) || frame.includes(0x0a)).toBe(false);
          }
        }
      }),
    );
  });

  it('property: codes framed with any terminator come out whole however the stream is cut', () => {
    const code = fc.stringMatching(/^[A-Za-z0-9_.-]{1,80}$/);
    const term = fc.constantFrom('\r', '\n', '\r\n');
    fc.assert(
      fc.property(
        fc.array(fc.tuple(code, term), { minLength: 1, maxLength: 8 }),
        fc.nat(),
        (items, cut) => {
          const stream = enc(items.map(([c, t]) => c + t).join(''));
          const at = cut % (stream.length + 1);
          const framer = new SerialFramer({ suffix: 'cr' });
          const frames = [
            ...framer.push(stream.subarray(0, at)).frames,
            ...framer.push(stream.subarray(at)).frames,
          ];
          expect(text(frames)).toEqual(items.map(([c]) => c));
        },
      ),
    );
  });
});
