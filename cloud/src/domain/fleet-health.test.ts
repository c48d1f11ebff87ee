import { describe, expect, it } from 'vitest';
import type { DeviceRecord } from '../store/port.ts';
import { isStale, statusWrite, summarizeFleet, STALE_AFTER_MS } from './fleet-health.ts';

const T0 = Date.UTC(2026, 10, 25, 12, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString();

const device = (over: Partial<DeviceRecord> = {}): DeviceRecord => ({
  deviceId: 'dev_1',
  loungeId: 'MAD-T4S-VELAZQUEZ',
  name: 'box',
  hardware: null,
  publicJwk: '{}',
  mqttPasswordHash: 'x',
  enrolledAt: T0,
  lastSeenAt: null,
  online: true,
  revocationSeq: 0,
  decommissionedAt: null,
  heartbeat: null,
  heartbeatAt: T0,
  ...over,
});

describe('isStale', () => {
  it('is no heartbeat for more than 3 min, from enrolment when none came; never once gone', () => {
    expect(isStale(device(), T0 + STALE_AFTER_MS)).toBe(false);
    expect(isStale(device(), T0 + STALE_AFTER_MS + 1)).toBe(true);
    expect(isStale(device({ heartbeatAt: null }), T0 + STALE_AFTER_MS + 1)).toBe(true);
    expect(isStale(device({ decommissionedAt: T0 }), T0 + 3600_000)).toBe(false);
  });
});

describe('statusWrite', () => {
  const beat = { online: true as const, at: iso(T0 - 600_000), sync: undefined };

  it('dates a live heartbeat now and a retained one by its own at, never in the future', () => {
    expect(statusWrite(beat, false, T0)).toMatchObject({ online: true, heartbeatAt: T0 });
    expect(statusWrite(beat, true, T0)).toMatchObject({ heartbeatAt: T0 - 600_000 });
    const ahead = { ...beat, at: iso(T0 + 3600_000) };
    expect(statusWrite(ahead, true, T0)).toMatchObject({ heartbeatAt: T0 });
    expect(statusWrite({ ...beat, at: 'yesterday' }, true, T0)).toMatchObject({
      heartbeatAt: null,
    });
  });

  it('takes the seq from sync (or the top level of older agents), and the will as offline', () => {
    const seq = (s: object) => {
      const w = statusWrite({ ...beat, ...s }, false, T0);
      return w.online ? w.revocationSeq : 'offline';
    };
    expect(seq({ sync: { revocationSeq: 5, revocationLag: 0, lastSyncAt: null, mqtt: 'x' } })).toBe(
      5,
    );
    expect(seq({ revocationSeq: 4 })).toBe(4);
    expect(seq({})).toBeUndefined();
    expect(statusWrite({ online: false, at: iso(T0) }, true, T0)).toEqual({ online: false });
  });
});

describe('summarizeFleet', () => {
  const hb = (over: object) =>
    JSON.stringify({
      online: true,
      at: iso(T0),
      sync: { revocationSeq: 1, revocationLag: 0, lastSyncAt: null, mqtt: 'connected' },
      scanners: [{ id: 'g', type: 'serial', status: 'connected' }],
      uploads: { pending: 0, oldestPendingAt: null, lastUploadAt: null, lastError: null },
      clock: { suspect: false, skewSeconds: 0 },
      ...over,
    });

  it('counts states and the worst figures of boxes that are not stale, ignoring gone ones', () => {
    const bad = {
      sync: { revocationSeq: 1, revocationLag: 7, lastSyncAt: null, mqtt: 'connected' },
      scanners: [
        { id: 'g1', type: 'serial', status: 'error' },
        { id: 'g2', type: 'serial', status: 'disconnected' },
      ],
      uploads: {
        pending: 3,
        oldestPendingAt: iso(T0 - 900_000),
        lastUploadAt: null,
        lastError: null,
      },
      clock: { suspect: true, skewSeconds: 300 },
    };
    const now = T0 + 60_000;
    const summary = summarizeFleet(
      [
        device({ heartbeat: hb({}) }),
        device({ heartbeat: hb(bad), online: false }),
        // Stale: its bad figures are old news and not counted again.
        device({
          heartbeat: hb({ ...bad, clock: { suspect: true, skewSeconds: 1 } }),
          heartbeatAt: T0 - 300_000,
        }),
        device({ heartbeat: hb(bad), decommissionedAt: T0 }),
        device({ heartbeat: '{"online":true,"at":"x","scanners":"garbled"}' }),
        device({ heartbeat: null }),
      ],
      now,
    );
    expect(summary).toEqual({
      devices: { online: 3, offline: 1, stale: 1 },
      maxRevocationLag: 7,
      oldestPendingUploadSeconds: 960,
      scannersDown: 2,
      clocksSuspect: 1,
    });
  });
});
