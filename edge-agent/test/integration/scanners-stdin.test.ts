import { PassThrough } from 'node:stream';
import { ManualClock } from '@lounge/shared';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createScanner, type Scan, type ScannerHealth } from '../../src/scanners/index.ts';

describe('stdin driver', () => {
  it('turns each line into a scan and reports disconnected when the stream ends', async () => {
    const input = new PassThrough();
    const scans: Scan[] = [];
    const statuses: ScannerHealth[] = [];
    const scanner = createScanner(
      { id: 'console', type: 'stdin' },
      {
        events: { onScan: (s) => scans.push(s), onStatus: (h) => statuses.push(h) },
        log: pino({ level: 'silent' }),
        clock: new ManualClock(),
        stdin: input,
      },
    );
    scanner.start();
    expect(scanner.health().status).toBe('connected');
    input.write('eyJ.first.sig\r\n\n  ');
    input.write('eyJ.second');
    input.write('.sig\n');
    await new Promise((resolve) => setImmediate(resolve));
    expect(scans.map((s) => s.code)).toEqual(['eyJ.first.sig', 'eyJ.second.sig']);
    expect(scans[0]).toMatchObject({ scannerId: 'console' });

    input.end('last-without-newline');
    await new Promise((resolve) => input.once('close', resolve));
    await new Promise((resolve) => setImmediate(resolve));
    expect(scans.at(-1)?.code).toBe('last-without-newline');
    expect(scanner.health()).toMatchObject({ status: 'disconnected', detail: 'input closed' });
    expect(statuses.map((s) => s.status)).toEqual(['connected', 'disconnected']);
    await scanner.stop();
  });

  it('stop() closes the reader but leaves the stream open', async () => {
    const input = new PassThrough();
    const scanner = createScanner(
      { id: 'console', type: 'stdin' },
      {
        events: { onScan: () => undefined, onStatus: () => undefined },
        log: pino({ level: 'silent' }),
        clock: new ManualClock(),
        stdin: input,
      },
    );
    scanner.start();
    await scanner.stop();
    expect(input.destroyed).toBe(false);
    expect(scanner.health().status).toBe('disconnected');
  });
});
