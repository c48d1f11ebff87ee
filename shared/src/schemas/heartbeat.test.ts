import { describe, expect, it } from 'vitest';
import { deviceStatusSchema, heartbeatSeq } from './heartbeat.ts';

describe('deviceStatusSchema (SPEC.md 6)', () => {
  it('takes a heartbeat, an older agent status and the will', () => {
    const beat = {
      online: true,
      at: '2026-11-25T12:00:00.000Z',
      status: 'ok',
      sync: { revocationSeq: 3, revocationLag: 0, lastSyncAt: null, mqtt: 'connected' },
      occupancy: { inside: 4, capacity: null },
      future: { kept: true },
    };
    const parsed = deviceStatusSchema.parse(beat);
    expect(parsed).toEqual(beat);
    expect(parsed.online && heartbeatSeq(parsed)).toBe(3);
    const old = deviceStatusSchema.parse({ online: true, version: '1', revocationSeq: 2, at: 'x' });
    expect(old.online && heartbeatSeq(old)).toBe(2);
    expect(deviceStatusSchema.parse({ online: false })).toEqual({ online: false });
  });

  it('drops a section that does not parse and keeps the rest', () => {
    const parsed = deviceStatusSchema.parse({
      online: true,
      at: 'x',
      scanners: 'garbled',
      clock: { suspect: true, skewSeconds: 400 },
    });
    expect(parsed).toEqual({ online: true, at: 'x', clock: { suspect: true, skewSeconds: 400 } });
  });

  it('refuses a heartbeat without at, and anything without online', () => {
    expect(deviceStatusSchema.safeParse({ online: true }).success).toBe(false);
    expect(deviceStatusSchema.safeParse({ at: 'x' }).success).toBe(false);
  });
});
