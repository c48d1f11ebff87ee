import { readFileSync, readdirSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HidPosDecoder, parseHidPosReport } from './hid-pos-decoder.ts';

const fixtureDir = new URL('../../test/fixtures/hid/', import.meta.url);
interface Fixture {
  description: string;
  reports: string[];
  codes: string[];
}
const fixtures = readdirSync(fixtureDir)
  .filter((name) => name.endsWith('.json'))
  .map((name) => ({
    name,
    ...(JSON.parse(readFileSync(new URL(name, fixtureDir), 'utf8')) as Fixture),
  }));
const bytes = (hex: string): Uint8Array =>
  Uint8Array.from(Buffer.from(hex.replace(/ /g, ''), 'hex'));
const latin1 = (code: Uint8Array): string => Buffer.from(code).toString('latin1');

describe('HidPosDecoder over recorded report sequences', () => {
  it('has fixtures to run', () => expect(fixtures.length).toBeGreaterThanOrEqual(5));

  for (const fixture of fixtures) {
    it(`${fixture.name}: ${fixture.description}`, () => {
      const decoder = new HidPosDecoder();
      const codes: string[] = [];
      fixture.reports.forEach((hex, i) => {
        codes.push(...decoder.push(bytes(hex), 1000 + i * 2).codes.map(latin1));
      });
      expect(codes).toEqual(fixture.codes);
      expect(decoder.pending()).toBe(false);
    });
  }
});

describe('HidPosDecoder', () => {
  const multi = fixtures.find((f) => f.name === 'numbered-multi-token.json')!;

  it('emits nothing until the last report of a continued code', () => {
    const decoder = new HidPosDecoder();
    const reports = multi.reports.map(bytes);
    for (const report of reports.slice(0, -1)) {
      expect(decoder.push(report, 0).codes).toEqual([]);
      expect(decoder.pending()).toBe(true);
    }
    expect(decoder.push(reports.at(-1)!, 0).codes.map(latin1)).toEqual(multi.codes);
  });

  it('abandons a continued code whose next report comes too late, then reads the next one', () => {
    const decoder = new HidPosDecoder({ continuationTimeoutMs: 500 });
    const reports = multi.reports.map(bytes);
    decoder.push(reports[0]!, 0);
    decoder.push(reports[1]!, 100);
    // Scanner unplugged mid-code; a whole new scan starts two seconds later.
    const problems: Array<{ reason: string }> = [];
    const codes: string[] = [];
    reports.forEach((report, i) => {
      const out = decoder.push(report, 2000 + i);
      problems.push(...out.problems);
      codes.push(...out.codes.map(latin1));
    });
    expect(problems.map((p) => p.reason)).toEqual(['incomplete']);
    expect(codes).toEqual(multi.codes);
  });

  it('drops a code over the size limit and decodes the next one', () => {
    const decoder = new HidPosDecoder({ maxCodeBytes: 100 });
    const out = multi.reports.map((hex) => decoder.push(bytes(hex), 0));
    expect(out.flatMap((o) => o.codes)).toEqual([]);
    expect(out.flatMap((o) => o.problems)).toEqual([
      { reason: 'oversized', detail: 'code over 100 bytes dropped' },
    ]);
    const single = fixtures.find((f) => f.name === 'numbered-single.json')!;
    expect(decoder.push(bytes(single.reports[0]!), 0).codes.map(latin1)).toEqual(single.codes);
  });

  it('keeps bytes that are not valid UTF-8 for the verifier to refuse', () => {
    const report = new Uint8Array(64);
    report.set([4, 0x65, 0xff, 0xfe, 0x41]);
    expect(new HidPosDecoder().push(report, 0).codes).toEqual([
      Uint8Array.from([0x65, 0xff, 0xfe, 0x41]),
    ]);
  });

  it('parses both layouts and rejects reports whose length does not fit', () => {
    expect(parseHidPosReport(Uint8Array.from([3, 0x61, 0x62, 0x63]))).toEqual({
      data: Uint8Array.from([0x61, 0x62, 0x63]),
      more: false,
    });
    expect(parseHidPosReport(Uint8Array.from([9, 0x61]))).toBeNull();
    expect(parseHidPosReport(Uint8Array.from([]))).toBeNull();
  });

  it('property: random reports never throw and never yield oversized codes', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 70 }), { maxLength: 120 }), (reports) => {
        const decoder = new HidPosDecoder({ maxCodeBytes: 300 });
        reports.forEach((report, i) => {
          for (const code of decoder.push(report, i).codes) {
            expect(code.length).toBeGreaterThan(0);
            expect(code.length).toBeLessThanOrEqual(300);
          }
        });
      }),
    );
  });
});
