import { newEventId, newInvitationId, ProblemError, type TokenClaims } from '@lounge/shared';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RecordOutcome, ScanRecord } from '../../src/decision-record.ts';
import { DecisionThread } from '../../src/decision-thread.ts';
import { openEdgeState, type EdgeState } from '../../src/state/index.ts';
import { DEVICE, ISSUER, LOUNGE, tempDir } from './fixtures.ts';

// The decision thread as the agent runs it: a worker with its own connection to edge.db, the
// agent's connection reading what it committed. Real SQLite files, a real worker thread.
describe('the decision thread', () => {
  let tmp: ReturnType<typeof tempDir>;
  let state: EdgeState;
  let thread: DecisionThread;
  const now = Date.UTC(2031, 4, 6, 9, 30);

  const claims = (over: Partial<TokenClaims> = {}): TokenClaims => ({
    iss: ISSUER,
    jti: newInvitationId(now),
    aud: LOUNGE,
    sub: 'AbCdEfGhIjKlMnOpQrStUv',
    nbf: now / 1000 - 600,
    exp: now / 1000 + 3600,
    gst: 0,
    ent: 1,
    ...over,
  });
  const scan = (c: TokenClaims, over: Partial<ScanRecord> = {}): ScanRecord => ({
    verification: { ok: true, kid: 'kTest001', claims: c },
    codeSha256: 'c'.repeat(64),
    gate: 'G1',
    source: 'api',
    receivedAt: now,
    now,
    eventId: newEventId(now),
    offline: false,
    clockSuspect: false,
    ...over,
  });
  const decisionOf = (o: RecordOutcome) => ('retry' in o ? o.retry : o.decision);

  beforeEach(() => {
    tmp = tempDir();
    state = openEdgeState({ dataDir: tmp.dir });
    thread = new DecisionThread({
      file: state.db.name,
      dataDir: tmp.dir,
      deviceId: DEVICE,
      loungeId: LOUNGE,
      clockSkewSeconds: 60,
      log: pino({ level: 'silent' }),
      onStorage: () => {},
    });
    thread.start();
  });
  afterEach(async () => {
    await thread.close();
    state.close();
    tmp.cleanup();
  });

  it('answers once committed: the agent connection reads the grant, its entry and record', async () => {
    const c = claims();
    const out = await thread.record(scan(c));
    const d = decisionOf(out);
    expect(d).toMatchObject({ decision: 'grant', reason: 'OK', invitationId: c.jti, admit: 1 });
    expect(state.invitations.stateOf(c.jti).entriesUsed).toBe(1);
    expect(state.accessLog.byEventId(d.eventId)).toMatchObject({ decision: 'grant' });
    expect(state.outbox.pending(10).map((e) => e.event.eventId)).toContain(d.eventId);
  });

  it('grants a code once when 50 scans of it arrive together', async () => {
    const c = claims({ ent: 1, gst: 0 });
    const outs = await Promise.all(
      Array.from({ length: 50 }, (_, i) => thread.record(scan(c, { gate: `G${i % 5}` }))),
    );
    const decisions = outs.map(decisionOf);
    expect(decisions.filter((d) => d.decision === 'grant')).toHaveLength(1);
    expect(decisions.filter((d) => d.reason === 'ALREADY_USED')).toHaveLength(49);
    expect(state.invitations.stateOf(c.jti).entriesUsed).toBe(1);
  });

  it('replays a known scanId and sends a reused one back as SCAN_ID_REUSED', async () => {
    const c = claims();
    const first = decisionOf(await thread.record(scan(c, { scanId: 'turn-1' })));
    const again = await thread.record(scan(c, { scanId: 'turn-1', eventId: newEventId(now) }));
    expect('retry' in again && again.retry.eventId).toBe(first.eventId);
    const other = thread.record(scan(claims(), { scanId: 'turn-1', codeSha256: 'd'.repeat(64) }));
    await expect(other).rejects.toBeInstanceOf(ProblemError);
    await expect(other).rejects.toMatchObject({ code: 'SCAN_ID_REUSED' });
  });

  it('sees a capacity the agent connection stored after the thread cached the old one', async () => {
    const config = (capacity: number, updatedAt: string) => ({
      capacity,
      hours: null,
      timezone: 'UTC',
      updatedAt,
    });
    state.occupancy.saveConfig(config(10, '2031-05-01T00:00:00Z'));
    expect(decisionOf(await thread.record(scan(claims()))).decision).toBe('grant');
    state.occupancy.saveConfig(config(1, '2031-05-02T00:00:00Z'));
    const full = decisionOf(await thread.record(scan(claims())));
    expect(full).toMatchObject({ decision: 'deny', reason: 'LOUNGE_FULL' });
  });

  it('refuses the scans in flight when the thread dies, and starts a new one for the next', async () => {
    const inFlight = Array.from({ length: 20 }, () => thread.record(scan(claims())));
    await new Promise((r) => setImmediate(r)); // handed over
    await (thread as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
    const settled = await Promise.allSettled(inFlight);
    for (const s of settled) {
      if (s.status === 'rejected') expect(s.reason).toMatchObject({ code: 'NOT_READY' });
    }
    // Whatever was answered is recorded.
    for (const s of settled) {
      if (s.status === 'fulfilled') {
        expect(state.accessLog.byEventId(decisionOf(s.value).eventId)).toBeDefined();
      }
    }
    expect(decisionOf(await thread.record(scan(claims()))).decision).toBe('grant');
  });

  it('answers every scan handed over before close, and refuses scans after it', async () => {
    const before = Array.from({ length: 10 }, () => thread.record(scan(claims())));
    const closed = thread.close();
    await expect(thread.record(scan(claims()))).rejects.toMatchObject({ code: 'NOT_READY' });
    for (const d of (await Promise.all(before)).map(decisionOf)) expect(d.decision).toBe('grant');
    await closed;
  });
});
