import { ManualClock, ManualTimers } from '@lounge/shared';
import { describe, expect, it } from 'vitest';
import { buildHealth, type Health } from '../health.ts';
import type { ScannerHealth } from '../scanners/port.ts';
import type { HeartbeatFacts } from './heartbeat.ts';
import { StatusPublisher } from './status-publisher.ts';

const T0 = Date.UTC(2026, 10, 25, 12, 0, 0);

/** A clock and timers that move only when the test says so. */
function fakeTime() {
  const timers = new ManualTimers(new ManualClock(T0));
  return {
    clock: timers.clock,
    timers,
    advance: (ms: number) => timers.advance(ms),
    pending: () => timers.pending(),
  };
}

function setup() {
  const time = fakeTime();
  let scanner: ScannerHealth = { id: 'gate1', type: 'serial', status: 'connected' };
  let seq = 7;
  const health = (): Health =>
    buildHealth({
      deviceId: 'dev_1',
      loungeId: 'MAD-T4S-VELAZQUEZ',
      revocationSeq: seq,
      revocationLag: 0,
      lastSyncAt: null,
      mqtt: 'connected',
      scanners: [scanner],
      uploads: { pending: 0, oldestPendingAt: null, lastUploadAt: null, lastError: null },
      clock: { suspect: false, skewSeconds: 0 },
      storage: null,
      nowMs: time.clock.now(),
    });
  const sent: { at: number; body: Record<string, unknown> }[] = [];
  const publisher = new StatusPublisher({
    topic: 'lounge/v1/devices/dev_1/status',
    version: '1.2.3',
    clock: time.clock,
    timers: time.timers,
    facts: (): HeartbeatFacts => ({ health: health(), kids: ['k1'], freeBytes: 1e9 }),
    publish: async (_topic, payload) => {
      sent.push({ at: time.clock.now() - T0, body: JSON.parse(payload) });
    },
  });
  return {
    ...time,
    publisher,
    sent,
    at: () => sent.map((s) => s.at),
    setScanner: (status: ScannerHealth['status']) => (scanner = { ...scanner, status }),
    setSeq: (n: number) => (seq = n),
  };
}

describe('StatusPublisher (SPEC.md 6 heartbeat)', () => {
  it('publishes the /healthz body plus online, version, kids, storage and at', () => {
    const t = setup();
    t.publisher.start();
    expect(t.sent[0]!.body).toEqual({
      status: 'ok',
      deviceId: 'dev_1',
      loungeId: 'MAD-T4S-VELAZQUEZ',
      sync: { revocationSeq: 7, revocationLag: 0, lastSyncAt: null, mqtt: 'connected' },
      scanners: [{ id: 'gate1', type: 'serial', status: 'connected' }],
      uploads: { pending: 0, oldestPendingAt: null, lastUploadAt: null, lastError: null },
      clock: { suspect: false, skewSeconds: 0 },
      occupancy: { inside: 0, capacity: null },
      online: true,
      version: '1.2.3',
      kids: ['k1'],
      storage: { freeBytes: 1e9 },
      at: '2026-11-25T12:00:00.000Z',
    });
    t.advance(30_000);
    expect(JSON.parse(t.publisher.offline())).toEqual({
      online: false,
      at: '2026-11-25T12:00:30.000Z',
    });
  });

  it('publishes every 60 s when nothing changes; counters alone wait for the next one', () => {
    const t = setup();
    t.publisher.start();
    t.advance(30_000);
    t.setSeq(8); // not a change of status or scanner state
    t.advance(150_000);
    expect(t.at()).toEqual([0, 60_000, 120_000, 180_000]);
    expect(t.sent.map((s) => (s.body.sync as { revocationSeq: number }).revocationSeq)).toEqual([
      7, 8, 8, 8,
    ]);
  });

  it('publishes a change of scanner state soon, then at most every 5 s, the latest last', () => {
    const t = setup();
    t.publisher.start();
    t.advance(10_000);
    t.setScanner('disconnected');
    t.advance(2000);
    expect(t.at()).toEqual([0, 11_000]); // seen by the next 1 s check
    expect(t.sent.at(-1)!.body).toMatchObject({ status: 'degraded' });
    // A flapping scanner: a change every second for 20 s.
    for (let i = 0; i < 20; i++) {
      t.setScanner(i % 2 === 0 ? 'connected' : 'error');
      t.advance(1000);
    }
    t.setScanner('connected');
    t.advance(10_000);
    const gaps = t
      .at()
      .slice(1)
      .map((at, i) => at - t.at()[i]!);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(5000);
    expect(t.sent.length).toBeGreaterThanOrEqual(5); // not silenced either
    expect((t.sent.at(-1)!.body.scanners as ScannerHealth[])[0]!.status).toBe('connected');
    // The periodic heartbeat counts from the last message.
    const last = t.at().at(-1)!;
    t.advance(120_000);
    expect(t.at().filter((at) => at > last)).toEqual([last + 60_000, last + 120_000]);
  });

  it('soon() after revocations is rate limited the same way', () => {
    const t = setup();
    t.publisher.start();
    t.advance(1000);
    t.publisher.soon();
    t.publisher.soon();
    t.advance(10_000);
    expect(t.at()).toEqual([0, 5000]);
  });

  it('stays quiet while disconnected and publishes at once on the next connect', () => {
    const t = setup();
    t.publisher.start();
    t.advance(1000);
    t.publisher.pause();
    expect(t.pending()).toBe(0);
    t.setScanner('error');
    t.publisher.soon();
    t.advance(300_000);
    expect(t.at()).toEqual([0]);
    t.publisher.start();
    expect(t.at()).toEqual([0, 301_000]);
    t.publisher.stop();
    expect(t.pending()).toBe(0);
  });
});
