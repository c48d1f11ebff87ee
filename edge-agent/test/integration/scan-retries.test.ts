import { ManualClock } from '@lounge/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  makeSigner,
  metricValue,
  startAgent,
  startFakeCloud,
  tempDir,
  type Signer,
  type TestAgent,
} from './fixtures.ts';

// SPEC.md 8: a turnstile retry carries the same scanId and gets the recorded decision back,
// recording nothing new; the same scanId with another code or gate is 409 SCAN_ID_REUSED.
describe('POST /v1/scan with scanId (turnstile retries)', () => {
  const clock = new ManualClock();
  const tmp = tempDir();
  let signer: Signer;
  let cloud: Awaited<ReturnType<typeof startFakeCloud>>;
  let edge: TestAgent;

  beforeAll(async () => {
    signer = await makeSigner();
    cloud = await startFakeCloud([signer.publicJwk], clock);
    edge = await startAgent(tmp.dir, cloud.url, { clock });
  });
  afterAll(async () => {
    await edge.stop();
    await cloud.close();
    tmp.cleanup();
  });

  const scan = async (body: Record<string, unknown>) => {
    const res = await edge.call('POST', '/v1/scan', body);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const rows = () => edge.agent.state.uploads.pending();

  it('answers a retry with the recorded decision, same eventId, recording nothing', async () => {
    const code = await signer.token(clock, { gst: 2 });
    const first = await scan({ code, gate: 'T1', scanId: 'T1:0001' });
    expect(first).toMatchObject({
      status: 200,
      body: { decision: 'grant', admit: 3, gate: 'T1', scanId: 'T1:0001' },
    });
    expect(edge.agent.state.accessLog.byEventId(String(first.body.eventId))).toMatchObject({
      scanId: 'T1:0001',
    });
    const logged = rows();
    const queued = edge.agent.state.outbox.pendingCount();
    clock.advance(2000);
    for (let i = 0; i < 3; i++) {
      expect(await scan({ code, gate: 'T1', scanId: 'T1:0001' })).toEqual(first);
    }
    expect(rows()).toBe(logged);
    expect(edge.agent.state.outbox.pendingCount()).toBe(queued);
    expect(await metricValue(edge, /lounge_edge_scan_retries_total/)).toBe(3);
    // Another physical read (a new scanId, or none) of the used code is ALREADY_USED.
    expect(await scan({ code, gate: 'T1', scanId: 'T1:0002' })).toMatchObject({
      body: { decision: 'deny', reason: 'ALREADY_USED', scanId: 'T1:0002' },
    });
    expect(await edge.scan(code, 'T1')).toMatchObject({ reason: 'ALREADY_USED' });
  });

  it('gives one decision to two requests in flight with one scanId', async () => {
    const code = await signer.token(clock);
    const body = { code, gate: 'T2', scanId: 'T2:0001' };
    const logged = rows();
    const answers = await Promise.all([scan(body), scan(body), scan(body)]);
    expect(answers[0]!.body.decision).toBe('grant');
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2]).toEqual(answers[0]);
    expect(rows()).toBe(logged + 1);
  });

  it('answers deny ANNULLED, admit 0, same eventId, once the grant was annulled', async () => {
    const code = await signer.token(clock, { gst: 1 });
    const grant = await scan({ code, gate: 'T3', scanId: 'T3:0001' });
    const annul = await edge.call('POST', `/v1/decisions/${String(grant.body.eventId)}/annul`);
    expect(annul.status).toBe(200);
    const logged = rows();
    const retry = await scan({ code, gate: 'T3', scanId: 'T3:0001' });
    expect(retry).toEqual({
      status: 200,
      body: { ...grant.body, decision: 'deny', reason: 'ANNULLED', admit: 0 },
    });
    expect(rows()).toBe(logged);
    // The entry given back is there for the next physical read.
    expect(await scan({ code, gate: 'T3', scanId: 'T3:0002' })).toMatchObject({
      body: { decision: 'grant', admit: 2 },
    });
  });

  it('refuses the same scanId with another code or gate: 409 SCAN_ID_REUSED', async () => {
    const code = await signer.token(clock);
    await scan({ code, gate: 'T4', scanId: 'T4:0001' });
    const logged = rows();
    for (const body of [
      { code, gate: 'T5', scanId: 'T4:0001' },
      { code: await signer.token(clock), gate: 'T4', scanId: 'T4:0001' },
    ]) {
      const res = await edge.call('POST', '/v1/scan', body);
      expect(res.status).toBe(409);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(await res.json()).toMatchObject({ code: 'SCAN_ID_REUSED', status: 409 });
    }
    expect(rows()).toBe(logged);
  });

  it('refuses a malformed scanId with 400 INVALID_REQUEST naming it', async () => {
    for (const scanId of ['', 'x'.repeat(65), 'a b', 'a/b', 42]) {
      const res = await edge.call('POST', '/v1/scan', { code: 'x', scanId });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ code: 'INVALID_REQUEST', field: 'scanId' });
    }
  });

  it('keeps scanIds across a restart, for 5 minutes', async () => {
    const code = await signer.token(clock, { ent: 2 });
    const first = await scan({ code, gate: 'T6', scanId: 'T6:0001' });
    await edge.stop();
    edge = await startAgent(tmp.dir, cloud.url, { clock });
    clock.advance(4 * 60_000);
    expect(await scan({ code, gate: 'T6', scanId: 'T6:0001' })).toEqual(first);
    // Over 5 minutes later the scanId is forgotten: a new read, deciding anew.
    clock.advance(60_001);
    const later = await scan({ code, gate: 'T6', scanId: 'T6:0001' });
    expect(later.body).toMatchObject({ decision: 'grant', entriesLeft: 0 });
    expect(later.body.eventId).not.toBe(first.body.eventId);
  });
});
