import {
  accessLogRecordSchema,
  ManualClock,
  ManualTimers,
  type AccessLogRecord,
} from '@lounge/shared';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { startStandIns, type StandIns } from '@lounge/test-helpers/stand-ins';
import { openEdgeState, type EdgeState } from '../../src/state/index.ts';
import { IbdpUploader, uploadProblem, type UploaderOptions } from '../../src/upload/index.ts';
import { tempDir } from './fixtures.ts';

const TOKEN = 'ibdp-token-123';
const SPEC_ORDER = [
  'eventId',
  'deviceId',
  'loungeId',
  'gate',
  'invitationId',
  'decision',
  'reason',
  'admit',
  'decidedAt',
  'offline',
  'codeSha256',
  'latencyMs',
];

let n = 0;
/** Writes `count` decisions to the access log, like the decision path does. */
function decide(state: EdgeState, count: number): string[] {
  const ids: string[] = [];
  state.db.transaction(() => {
    for (let i = 0; i < count; i++) {
      const eventId = `evt_${String(++n).padStart(26, '0')}`;
      ids.push(eventId);
      state.accessLog.insert({
        eventId,
        deviceId: 'dev_01JD0000000000000000000001',
        loungeId: 'MAD-T4S-VELAZQUEZ',
        gate: 'gate1',
        invitationId: i % 2 ? null : `inv_${String(n).padStart(26, '0')}`,
        decision: i % 2 ? 'deny' : 'grant',
        reason: i % 2 ? 'MALFORMED' : 'OK',
        admit: i % 2 ? 0 : 2,
        decidedAt: new Date(Date.UTC(2026, 10, 25, 12, 0, 0, n)).toISOString(),
        offline: i % 3 === 0,
        codeSha256: 'ab'.repeat(32),
        latencyMs: 1.25,
        ...(i % 5 === 0 && { clockSuspect: true, scanId: `T1:${n}` }),
      });
    }
  })();
  return ids;
}

describe('IBDP uploader', () => {
  let ibdp: StandIns;
  let state: EdgeState;
  let tmp: ReturnType<typeof tempDir>;
  beforeAll(async () => {
    ibdp = await startStandIns({ tokens: { ibdp: TOKEN } });
  });
  afterAll(() => ibdp.close());
  beforeEach(async () => {
    await ibdp.reset();
    ibdp.ibdp.retryAfterSeconds = 1;
    tmp = tempDir();
    state = openEdgeState({ dataDir: tmp.dir });
    return () => {
      state.close();
      tmp.cleanup();
    };
  });

  const uploader = (o: Partial<UploaderOptions> = {}) => {
    const u = new IbdpUploader({
      db: state.db,
      ibdp: { url: ibdp.urls.ibdp, token: TOKEN },
      fetch: (url, init) => fetch(url, init),
      log: pino({ level: 'silent' }),
      backoff: { baseMs: 50, maxMs: 200 },
      ...o,
    });
    onTestFinished(() => u.stop());
    return u;
  };
  const requests = () => ibdp.ibdp.requests.filter((r) => r.path === '/v1/ingest/access-logs');
  const stored = () => ibdp.ibdpRecords('access-logs') as AccessLogRecord[];

  /**
   * An uploader on fake time (its waits), its requests on real sockets. The prune timer runs
   * at start and then hourly; the other timer, when there is one, is the uploader's own wait.
   */
  const onFakeTime = (o: Partial<UploaderOptions> = {}) => {
    const time = new ManualTimers(new ManualClock());
    const u = uploader({ ...o, timers: time, clock: time.clock });
    u.start();
    time.advance(0);
    /** The wait the uploader is in (a back-off or idle), once it is waiting. */
    const parked = async (): Promise<number> => {
      await ibdp.waitFor(() => time.pending() === 2);
      return time.delays()[0]!;
    };
    return { u, time, parked };
  };

  it('sends gzip NDJSON batches of <= 500, in order, in the exact SPEC record shape', async () => {
    const ids = decide(state, 1203);
    const u = uploader();
    u.start();
    await ibdp.waitFor(() => stored().length === 1203, 15_000);
    expect(requests().map((r) => (r.records ?? []).length)).toEqual([500, 500, 203]);
    expect(stored().map((r) => r.eventId)).toEqual(ids);
    for (const r of requests()) {
      expect(r.headers).toMatchObject({
        authorization: `Bearer ${TOKEN}`,
        'content-type': 'application/x-ndjson',
        'content-encoding': 'gzip',
      });
      expect(r.headers['idempotency-key']).toMatch(/^upl_[0-9A-Z]{26}$/);
    }
    for (const rec of stored()) {
      // scanId (SPEC.md 8) only where the turnstile sent one; local-only columns never.
      const order = 'scanId' in rec ? [...SPEC_ORDER, 'scanId'] : SPEC_ORDER;
      expect(Object.keys(rec)).toEqual(order);
      expect(accessLogRecordSchema.strict().safeParse(rec).success).toBe(true);
    }
    await ibdp.waitFor(() => u.status().pending === 0);
    expect(u.status().lastUploadAt).not.toBeNull();
  });

  it('uploads a new decision at once on wake(), and within 5 s without one', async () => {
    const sleepy = onFakeTime({ idleMs: 10_000 });
    expect(await sleepy.parked()).toBe(10_000); // idle, for 10 s unless woken
    decide(state, 1);
    sleepy.u.wake();
    await ibdp.waitFor(() => stored().length === 1); // with the fake clock standing still
    await sleepy.u.stop();

    const polling = onFakeTime(); // default idle: looks again every second
    expect(await polling.parked()).toBe(1000);
    decide(state, 1);
    polling.time.advance(1000);
    await ibdp.waitFor(() => stored().length === 2);
  });

  it('honours Retry-After on 429 and 503, backs off on 500, retrying under the same key', async () => {
    decide(state, 10);
    ibdp.ibdp.failNext(1, 429);
    ibdp.ibdp.failNext(1, 500);
    ibdp.ibdp.failNext(1, 503);
    const { u, time, parked } = onFakeTime({ random: () => 0.5 });
    const waits: number[] = [];
    for (let sent = 1; sent <= 3; sent++) {
      waits.push(await parked());
      expect(requests()).toHaveLength(sent); // nothing more until the wait is over
      time.advance(waits.at(-1)!);
    }
    await ibdp.waitFor(() => stored().length === 10);
    const reqs = requests();
    expect(reqs.map((r) => r.status)).toEqual([429, 500, 503, 202]);
    expect(new Set(reqs.map((r) => r.headers['idempotency-key'])).size).toBe(1);
    // Retry-After: 1 (429 and 503) exactly; the 500, the second failure in a row, backs off
    // half its 100 ms ceiling (jitter fixed).
    expect(waits).toEqual([1000, 50, 1000]);
    // IBDP stores before it answers: the uploader marks the rows once the 202 is back.
    await ibdp.waitFor(() => u.status().pending === 0);
  });

  it('treats 409 as stored, and keeps a formed batch (members and key) across a restart', async () => {
    const first = decide(state, 3);
    await ibdp.ibdp.setMode('error500');
    const u1 = uploader({ backoff: { baseMs: 60_000, maxMs: 60_000 } });
    u1.start();
    await ibdp.waitFor(() => requests()[0]?.status === 500, 10_000);
    await u1.stop(); // in its backoff: no request in flight
    const later = decide(state, 2); // arrive after the batch was formed: the next batch
    await ibdp.ibdp.setMode('ok');
    ibdp.ibdp.failNext(1, 409);
    const u2 = uploader();
    u2.start();
    await ibdp.waitFor(() => stored().length === 2, 10_000);
    const reqs = requests();
    const key = reqs[0]!.headers['idempotency-key'];
    const again = reqs.filter((r) => r.headers['idempotency-key'] === key);
    expect(again.length).toBeGreaterThanOrEqual(2);
    for (const r of again) {
      expect((r.records as AccessLogRecord[]).map((x) => x.eventId)).toEqual(first);
    }
    expect(again.at(-1)!.status).toBe(409); // IBDP had it: marked uploaded, not resent
    expect(stored().map((r) => r.eventId)).toEqual(later);
    await ibdp.waitFor(() => u2.status().pending === 0);
  });

  it('stops at once while IBDP hangs; the batch goes under the same key after a restart', async () => {
    decide(state, 2);
    await ibdp.ibdp.setMode('hang');
    const u1 = uploader();
    u1.start();
    await ibdp.waitFor(() => requests().length === 1);
    const t0 = Date.now();
    await u1.stop();
    expect(Date.now() - t0).toBeLessThan(1000);
    await ibdp.ibdp.setMode('ok');
    uploader().start();
    await ibdp.waitFor(() => stored().length === 2);
    const keys = new Set(requests().map((r) => r.headers['idempotency-key']));
    expect(keys.size).toBe(1);
  });

  it('keeps the last error for /healthz: a URL without the gateway prefix is a stuck 404', async () => {
    decide(state, 2);
    const clock = new ManualClock(Date.now());
    const origin = new URL(ibdp.urls.ibdp).origin; // the base path left out: a wrong config
    const u = uploader({
      ibdp: { url: origin, token: TOKEN },
      clock,
      backoff: { baseMs: 60_000, maxMs: 60_000 },
    });
    u.start();
    await ibdp.waitFor(() => u.status().lastError !== null, 10_000);
    const stuck = u.status();
    expect(stuck).toMatchObject({ pending: 2, lastUploadAt: null });
    expect(stuck.lastError).toEqual({
      at: new Date(clock.now()).toISOString(),
      status: 404,
      detail: expect.stringMatching(
        /^IBDP answered 404: .*no route POST \/v1\/ingest\/access-logs/,
      ),
    });
    expect(uploadProblem(stuck, clock.now())).toMatch(
      /^IBDP refuses the uploads: IBDP answered 404/,
    );
    await u.stop();

    // Fixed config: the same batch goes, and the error is gone with the first success.
    const fixed = uploader({ clock });
    fixed.start();
    await ibdp.waitFor(() => fixed.status().pending === 0, 10_000);
    expect(fixed.status()).toMatchObject({ lastError: null, oldestPendingAt: null });
    expect(uploadProblem(fixed.status(), clock.now())).toBeNull();
  });

  it('prunes uploaded records after the retention period, never a pending one', async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 1));
    decide(state, 4);
    const u = uploader({ clock, retentionMs: 7 * 86_400_000 });
    u.start();
    await ibdp.waitFor(() => u.status().pending === 0);
    await u.stop();
    decide(state, 2); // pending, and old by the clock below
    clock.advance(8 * 86_400_000);
    expect(uploader({ clock }).prune()).toBe(4);
    expect(state.uploads.pending()).toBe(2);
    expect(state.accessLog.recent(10)).toHaveLength(2);
  });
});
