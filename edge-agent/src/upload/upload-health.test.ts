import { ManualClock } from '@lounge/shared';
import { describe, expect, it } from 'vitest';
import { accessRecord } from '../../test/integration/records.ts';
import { buildHealth } from '../health.ts';
import { openEdgeState, type EdgeState } from '../state/index.ts';
import { isRefusal, readUploadHealth, uploadProblem, type UploadHealth } from './upload-health.ts';

const MIN = 60_000;
const clock = new ManualClock();
const iso = (ms: number) => new Date(ms).toISOString();

function record(state: EdgeState, eventId: string, decidedAtMs: number): void {
  state.accessLog.insert(accessRecord(eventId, { decidedAt: iso(decidedAtMs) }));
}

const health = (h: Partial<UploadHealth>): UploadHealth => ({
  pending: 0,
  oldestPendingAt: null,
  lastUploadAt: null,
  lastError: null,
  ...h,
});

describe('upload health', () => {
  it('reads pending, the oldest pending record and the last error from SQLite', () => {
    const state = openEdgeState({ file: ':memory:' });
    const q = state.uploads;
    const t0 = clock.now();
    expect(readUploadHealth(state.db)).toEqual(health({}));
    record(state, 'evt_1', t0 - 7 * MIN);
    record(state, 'evt_2', t0 - 1 * MIN);
    const batch = q.next(1, () => 'b1')!;
    const error = { at: iso(t0), status: 404, detail: 'IBDP answered 404: no route' };
    q.markFailed(error);
    expect(readUploadHealth(state.db)).toEqual({
      pending: 2,
      oldestPendingAt: iso(t0 - 7 * MIN),
      lastUploadAt: null,
      lastError: error,
    });
    q.markUploaded(batch, t0 + 1000);
    expect(readUploadHealth(state.db)).toEqual({
      pending: 1,
      oldestPendingAt: iso(t0 - 1 * MIN),
      lastUploadAt: iso(t0 + 1000),
      lastError: null, // the last attempt succeeded
    });
  });

  it('is stuck past 5 minutes of backlog, or on a 4xx other than 409/429', () => {
    const now = clock.now();
    const old = (ms: number) => health({ pending: 3, oldestPendingAt: iso(now - ms) });
    expect(uploadProblem(old(5 * MIN), now)).toBeNull();
    expect(uploadProblem(old(5 * MIN + 1000), now)).toBe(
      '3 record(s) pending, the oldest 5 min old',
    );
    const failed = (status: number | null) =>
      health({
        pending: 1,
        oldestPendingAt: iso(now),
        lastError: { at: iso(now), status, detail: `d${status}` },
      });
    expect(uploadProblem(failed(404), now)).toBe('IBDP refuses the uploads: d404');
    expect(uploadProblem(failed(401), now)).toBe('IBDP refuses the uploads: d401');
    for (const status of [409, 429, 500, 503, null])
      expect(uploadProblem(failed(status), now)).toBeNull();
    expect([400, 403, 413, 409, 429, 500].map(isRefusal)).toEqual([
      true,
      true,
      true,
      false,
      false,
      false,
    ]);
  });

  it('makes /healthz degraded, with the reason', () => {
    const now = clock.now();
    const h = buildHealth({
      deviceId: 'dev_1',
      loungeId: 'MAD-T4S-X',
      revocationSeq: 0,
      revocationLag: 0,
      lastSyncAt: null,
      mqtt: 'connected',
      scanners: [],
      uploads: health({
        pending: 1,
        oldestPendingAt: iso(now),
        lastError: { at: iso(now), status: 404, detail: 'IBDP answered 404: no route' },
      }),
      clock: { suspect: false, skewSeconds: 0 },
      storage: null,
      nowMs: now,
    });
    expect(h.status).toBe('degraded');
    expect(h.reasons).toEqual(['uploads: IBDP refuses the uploads: IBDP answered 404: no route']);
    expect(h.uploads.lastError).toMatchObject({ status: 404 });
  });
});
