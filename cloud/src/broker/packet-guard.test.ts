import { describe, expect, it } from 'vitest';
import { createFrameReader } from './packet-guard.ts';

const KIB64 = 64 * 1024;

describe('MQTT frame reader', () => {
  it('passes packets up to the limit, split anywhere, and flags the first one over it', () => {
    const feed = createFrameReader(KIB64);
    // PINGREQ (no body), a 100-byte PUBLISH, a packet of exactly 64 KiB (1 + 3 + 65,532).
    const exact = Buffer.concat([Buffer.from([0x30, 0xfc, 0xff, 0x03]), Buffer.alloc(65_532)]);
    const stream = Buffer.concat([
      Buffer.from([0xc0, 0x00]),
      Buffer.from([0x30, 100]),
      Buffer.alloc(100),
      exact,
    ]);
    for (let i = 0; i < stream.length; i += 7) expect(feed(stream.subarray(i, i + 7))).toBe(0);
    // One byte more than 64 KiB: refused at its header, before any body byte.
    expect(feed(Buffer.from([0x30, 0xfd, 0xff]))).toBe(0);
    expect(feed(Buffer.from([0x03]))).toBe(KIB64 + 1);
  });

  it('refuses a CONNECT declaring 256 MB and a malformed fifth length byte', () => {
    expect(createFrameReader(KIB64)(Buffer.from([0x10, 0xff, 0xff, 0xff, 0x7f]))).toBe(
      1 + 4 + 268_435_455,
    );
    expect(createFrameReader(KIB64)(Buffer.from([0x10, 0x80, 0x80, 0x80, 0x80]))).toBeGreaterThan(
      KIB64,
    );
  });
});
