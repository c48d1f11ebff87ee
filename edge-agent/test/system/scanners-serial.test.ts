import { performance } from 'node:perf_hooks';
import { systemClock } from '@lounge/shared';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { openPtyPair, type PtyPair } from '@lounge/test-helpers/pty';
import {
  createScanner,
  type Scan,
  type Scanner,
  type ScannerDrop,
  type ScannerHealth,
} from '../../src/scanners/index.ts';

/** Collects what the driver reports and lets the test wait for the next thing. */
class Recorder {
  scans: Scan[] = [];
  statuses: ScannerHealth[] = [];
  drops: ScannerDrop[] = [];
  private waiters = new Set<() => void>();
  onScan = (scan: Scan): void => {
    this.scans.push(scan);
    this.wake();
  };
  onStatus = (health: ScannerHealth): void => {
    this.statuses.push(health);
    this.wake();
  };
  onDropped = (drop: ScannerDrop): void => {
    this.drops.push(drop);
  };
  private wake(): void {
    for (const w of [...this.waiters]) w();
  }
  until(what: string, condition: () => boolean, timeoutMs = 10_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!condition()) return;
        this.waiters.delete(check);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`timed out waiting for ${what}`));
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }
}

const text = (scan: Scan | undefined): string =>
  scan === undefined ? '' : Buffer.from(scan.code as Uint8Array).toString('latin1');
const percentile = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

describe('serial scanner on real socat ptys', () => {
  let pair: PtyPair | undefined;
  let scanner: Scanner | undefined;
  afterEach(async () => {
    await scanner?.stop();
    await pair?.kill();
  });

  // One retry: once in roughly ten full system runs (2026-12-01) the port never reported the
  // unplug within 10 s (no 'close' after socat died); alone it passed 10 of 10. Until that race
  // in the driver is found, a second failure in a row still fails CI.
  it('frames, drops, survives unplug/replug and measures latency', { retry: 1 }, async () => {
    pair = await openPtyPair();
    const rec = new Recorder();
    scanner = createScanner(
      { id: 'gate1', type: 'serial', path: pair.devicePath, baudRate: 9600, suffix: 'crlf' },
      {
        events: rec,
        log: pino({ level: 'silent' }),
        clock: systemClock,
        reconnectMs: { base: 200, max: 500 },
      },
    );
    scanner.start();
    await rec.until('connected', () => scanner!.health().status === 'connected');
    const p = pair;
    const nextScan = (count: number) =>
      rec.until(`${count} scans`, () => rec.scans.length >= count);

    // CRLF, then a scanner mis-programmed to CR only: both frame, no empty frame from CRLF.
    await p.write('eyJ.crlf.sig\r\n');
    await p.write('eyJ.cr-only.sig\r');
    await p.write('\x02]Q1eyJ.stx-aim.sig\x03\r\n');
    await nextScan(3);
    expect(rec.scans.map(text)).toEqual(['eyJ.crlf.sig', 'eyJ.cr-only.sig', 'eyJ.stx-aim.sig']);

    // Garbage arrives as bytes that are not valid UTF-8, for the verifier to call MALFORMED.
    await p.write(Uint8Array.from([0x65, 0xff, 0xfe, 0xc3, 0x28, 0x0d]));
    await nextScan(4);
    const garbage = rec.scans[3]!.code as Uint8Array;
    expect([...garbage]).toEqual([0x65, 0xff, 0xfe, 0xc3, 0x28]);
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(garbage)).toThrow();

    // An oversized frame is dropped whole; the next frame still reads.
    await p.write('x'.repeat(6000) + '\r\n');
    await p.write('eyJ.after-big.sig\r\n');
    await nextScan(5);
    expect(text(rec.scans[4])).toBe('eyJ.after-big.sig');
    expect(rec.scans).toHaveLength(5);
    expect(rec.drops).toEqual([
      expect.objectContaining({ scannerId: 'gate1', reason: 'oversized' }),
    ]);

    // Unplug (socat killed): disconnected; replug at the same path: scanning resumes.
    await p.kill();
    await rec.until('disconnected', () => scanner!.health().status === 'disconnected');
    expect(rec.statuses.some((s) => /unplugged|closed|not present/.test(s.detail ?? ''))).toBe(
      true,
    );
    await p.restart();
    await rec.until('reconnected', () => scanner!.health().status === 'connected');
    await p.write('eyJ.resumed.sig\r');
    await nextScan(6);
    expect(text(rec.scans[5])).toBe('eyJ.resumed.sig');

    // Latency: write on the host end → onScan, one scan at a time.
    const latencies: number[] = [];
    const token = 'eyJhbGciOiJFZERTQSJ9.' + 'a'.repeat(300) + '.';
    for (let i = 0; i < 200; i++) {
      const before = rec.scans.length;
      const started = performance.now();
      await p.write(`${token}${i}\r\n`);
      await nextScan(before + 1);
      latencies.push(performance.now() - started);
      expect(text(rec.scans.at(-1))).toBe(`${token}${i}`);
    }
    latencies.sort((a, b) => a - b);
    const p50 = percentile(latencies, 50);
    const p99 = percentile(latencies, 99);
    console.log(
      `serial pty write → onScan latency over 200 scans of ${token.length + 3} bytes: ` +
        `p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms`,
    );
    // Generous bound for a shared 2-core CI box: catches a driver that polls or batches.
    expect(p99).toBeLessThan(500);
  });

  it('waits for a port that is absent at start, then reads it', async () => {
    pair = await openPtyPair();
    await pair.kill(); // the links are gone: like a scanner not plugged in yet
    const rec = new Recorder();
    scanner = createScanner(
      { id: 'gate2', type: 'serial', path: pair.devicePath, baudRate: 9600, suffix: 'cr' },
      {
        events: rec,
        log: pino({ level: 'silent' }),
        clock: systemClock,
        reconnectMs: { base: 200, max: 500 },
      },
    );
    scanner.start();
    await rec.until('not present', () => /not present/.test(scanner!.health().detail ?? ''));
    expect(scanner.health().status).toBe('disconnected');
    await pair.restart();
    await rec.until('connected', () => scanner!.health().status === 'connected');
    await pair.write('eyJ.late.sig\r');
    await rec.until('scan', () => rec.scans.length === 1);
    expect(text(rec.scans[0])).toBe('eyJ.late.sig');
    await scanner.stop();
    expect(scanner.health()).toMatchObject({ status: 'disconnected', detail: 'stopped' });
  });
});
