import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HidPosDecoder } from './hid-pos-decoder.ts';
import { KeyboardDecoder } from './keyboard-decoder.ts';
import { SerialFramer, type SerialSuffix } from './serial-framer.ts';

// Scanner input is hostile or broken in the field (noise, unplugged mid-code, wrong firmware):
// the decoders must never throw and never hand over a code outside the size limit.
const MAX = 512;
const suffix = fc.constantFrom<SerialSuffix>('cr', 'lf', 'crlf', 'tab');
/** Bytes biased towards terminators and noise so frames actually end. */
const serialByte = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0x21, max: 0x7e }) },
  { weight: 1, arbitrary: fc.constantFrom(0x0d, 0x0a, 0x09, 0x02, 0x03, 0x20, 0x5d) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 255 }) },
);
const stream = fc.array(serialByte, { maxLength: 2000 }).map((b) => Uint8Array.from(b));

function splitAt(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let from = 0;
  for (const p of points) {
    chunks.push(bytes.subarray(from, p));
    from = p;
  }
  chunks.push(bytes.subarray(from));
  return chunks;
}

const hex = (frames: Uint8Array[]) => frames.map((f) => Buffer.from(f).toString('hex'));

describe('SerialFramer under fuzzing', () => {
  it('never throws; frames are non-empty, bounded and hold no terminator or edge noise', () => {
    fc.assert(
      fc.property(suffix, stream, fc.array(fc.nat(), { maxLength: 20 }), (sfx, bytes, cuts) => {
        const framer = new SerialFramer({ suffix: sfx, maxFrameBytes: MAX });
        for (const chunk of splitAt(bytes, cuts)) {
          for (const frame of framer.push(chunk).frames) {
            expect(frame.length).toBeGreaterThan(0);
            expect(frame.length).toBeLessThanOrEqual(MAX);
            expect(frame.includes(0x0d) || frame.includes(0x0a)).toBe(false);
            if (sfx === 'tab') expect(frame.includes(0x09)).toBe(false);
            expect(frame[0]! > 0x20 && frame[frame.length - 1]! > 0x20).toBe(true);
          }
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('gives the same frames and drops however the stream is chunked', () => {
    fc.assert(
      fc.property(suffix, stream, fc.array(fc.nat(), { maxLength: 30 }), (sfx, bytes, cuts) => {
        const whole = new SerialFramer({ suffix: sfx, maxFrameBytes: MAX }).push(bytes);
        const framer = new SerialFramer({ suffix: sfx, maxFrameBytes: MAX });
        const frames: Uint8Array[] = [];
        let dropped = 0;
        for (const chunk of splitAt(bytes, cuts)) {
          const out = framer.push(chunk);
          frames.push(...out.frames);
          dropped += out.dropped;
        }
        expect(hex(frames)).toEqual(hex(whole.frames));
        expect(dropped).toBe(whole.dropped);
      }),
      { numRuns: 2000 },
    );
  });

  it('resynchronises after garbage: a clean code after a terminator is always read', () => {
    const code = fc.string({
      unit: fc.constantFrom(...'ABCxyz019-_.'),
      minLength: 1,
      maxLength: 60,
    });
    fc.assert(
      fc.property(stream, code, (garbage, text) => {
        const framer = new SerialFramer({ suffix: 'cr', maxFrameBytes: MAX });
        framer.push(garbage);
        const out = framer.push(Buffer.from(`\r${text}\r`));
        expect(out.frames.map((f) => Buffer.from(f).toString('latin1')).at(-1)).toBe(text);
      }),
      { numRuns: 1500 },
    );
  });
});

describe('HID decoders under fuzzing', () => {
  const report = fc.uint8Array({ minLength: 0, maxLength: 80 });

  it('HidPosDecoder: random reports never throw; codes are non-empty and bounded', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(report, fc.nat(3000)), { maxLength: 60 }), (reports) => {
        const decoder = new HidPosDecoder({ maxCodeBytes: MAX, continuationTimeoutMs: 1000 });
        let now = 0;
        for (const [bytes, gap] of reports) {
          now += gap;
          const out = decoder.push(bytes, now);
          for (const code of out.codes) {
            expect(code.length).toBeGreaterThan(0);
            expect(code.length).toBeLessThanOrEqual(MAX);
          }
          for (const p of out.problems) expect(typeof p.detail).toBe('string');
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('KeyboardDecoder: random boot reports never throw; codes are bounded', () => {
    const kbReport = fc.oneof(
      fc.uint8Array({ minLength: 8, maxLength: 8 }),
      fc.uint8Array({ minLength: 0, maxLength: 12 }),
    );
    fc.assert(
      fc.property(
        fc.constantFrom('us', 'es'),
        fc.array(kbReport, { maxLength: 200 }),
        (layout, reports) => {
          const decoder = new KeyboardDecoder({ layout, maxCodeChars: 64 });
          const codes = reports.flatMap((r) => decoder.push(r).codes);
          codes.push(...decoder.flush().codes);
          for (const code of codes) {
            expect(code.length).toBeGreaterThan(0);
            expect(code.length).toBeLessThanOrEqual(64);
          }
          expect(decoder.pending()).toBe(false);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
