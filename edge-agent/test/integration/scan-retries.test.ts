import { describe, expect } from 'vitest';
import { metricValue, type TestAgent } from './fixtures.ts';
import { edgeTest } from './edge-test.ts';

// SPEC.md 8: a turnstile retry carries the same scanId and gets the recorded decision back,
// recording nothing new; the same scanId with another code or gate is 409 SCAN_ID_REUSED.
describe('POST /v1/scan with scanId (turnstile retries)', () => {
  const scan = async (edge: TestAgent, body: Record<string, unknown>) => {
    const res = await edge.call('POST', '/v1/scan', body);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const rows = (edge: TestAgent) => edge.agent.state.uploads.pending();

  edgeTest(
    'answers a retry with the recorded decision, same eventId, recording nothing',
    async ({ edge, signer, clock }) => {
      const code = await signer.token(clock, { gst: 2 });
      const first = await scan(edge, { code, gate: 'T1', scanId: 'T1:0001' });
      expect(first).toMatchObject({
        status: 200,
        body: { decision: 'grant', admit: 3, gate: 'T1', scanId: 'T1:0001' },
      });
      expect(edge.agent.state.accessLog.byEventId(String(first.body.eventId))).toMatchObject({
        scanId: 'T1:0001',
      });
      const logged = rows(edge);
      const queued = edge.agent.state.outbox.pendingCount();
      clock.advance(2000);
      for (let i = 0; i < 3; i++) {
        expect(await scan(edge, { code, gate: 'T1', scanId: 'T1:0001' })).toEqual(first);
      }
      expect(rows(edge)).toBe(logged);
      expect(edge.agent.state.outbox.pendingCount()).toBe(queued);
      expect(await metricValue(edge, /lounge_edge_scan_retries_total/)).toBe(3);
      // Another physical read (a new scanId, or none) of the used code is ALREADY_USED.
      expect(await scan(edge, { code, gate: 'T1', scanId: 'T1:0002' })).toMatchObject({
        body: { decision: 'deny', reason: 'ALREADY_USED', scanId: 'T1:0002' },
      });
      expect(await edge.scan(code, 'T1')).toMatchObject({ reason: 'ALREADY_USED' });
    },
  );

  edgeTest(
    'gives one decision to two requests in flight with one scanId',
    async ({ edge, signer, clock }) => {
      const code = await signer.token(clock);
      const body = { code, gate: 'T2', scanId: 'T2:0001' };
      const logged = rows(edge);
      const answers = await Promise.all([scan(edge, body), scan(edge, body), scan(edge, body)]);
      expect(answers[0]!.body.decision).toBe('grant');
      expect(answers[1]).toEqual(answers[0]);
      expect(answers[2]).toEqual(answers[0]);
      expect(rows(edge)).toBe(logged + 1);
    },
  );

  edgeTest(
    'answers deny ANNULLED, admit 0, same eventId, once the grant was annulled',
    async ({ edge, signer, clock }) => {
      const code = await signer.token(clock, { gst: 1 });
      const grant = await scan(edge, { code, gate: 'T3', scanId: 'T3:0001' });
      const annul = await edge.call('POST', `/v1/decisions/${String(grant.body.eventId)}/annul`);
      expect(annul.status).toBe(200);
      const logged = rows(edge);
      const retry = await scan(edge, { code, gate: 'T3', scanId: 'T3:0001' });
      expect(retry).toEqual({
        status: 200,
        body: { ...grant.body, decision: 'deny', reason: 'ANNULLED', admit: 0 },
      });
      expect(rows(edge)).toBe(logged);
      // The entry given back is there for the next physical read.
      expect(await scan(edge, { code, gate: 'T3', scanId: 'T3:0002' })).toMatchObject({
        body: { decision: 'grant', admit: 2 },
      });
    },
  );

  edgeTest(
    'refuses the same scanId with another code or gate: 409 SCAN_ID_REUSED',
    async ({ edge, signer, clock }) => {
      const code = await signer.token(clock);
      await scan(edge, { code, gate: 'T4', scanId: 'T4:0001' });
      const logged = rows(edge);
      for (const body of [
        { code, gate: 'T5', scanId: 'T4:0001' },
        { code: await signer.token(clock), gate: 'T4', scanId: 'T4:0001' },
      ]) {
        const res = await edge.call('POST', '/v1/scan', body);
        expect(res.status).toBe(409);
        expect(res.headers.get('content-type')).toBe('application/problem+json');
        expect(await res.json()).toMatchObject({ code: 'SCAN_ID_REUSED', status: 409 });
      }
      expect(rows(edge)).toBe(logged);
    },
  );

  edgeTest('refuses a malformed scanId with 400 INVALID_REQUEST naming it', async ({ edge }) => {
    for (const scanId of ['', 'x'.repeat(65), 'a b', 'a/b', 42]) {
      const res = await edge.call('POST', '/v1/scan', { code: 'x', scanId });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ code: 'INVALID_REQUEST', field: 'scanId' });
    }
  });

  edgeTest('keeps scanIds across a restart, for 5 minutes', async ({ edge, signer, clock }) => {
    const code = await signer.token(clock, { ent: 2 });
    const first = await scan(edge, { code, gate: 'T6', scanId: 'T6:0001' });
    await edge.restart();
    clock.advance(4 * 60_000);
    expect(await scan(edge, { code, gate: 'T6', scanId: 'T6:0001' })).toEqual(first);
    // Over 5 minutes later the scanId is forgotten: a new read, deciding anew.
    clock.advance(60_001);
    const later = await scan(edge, { code, gate: 'T6', scanId: 'T6:0001' });
    expect(later.body).toMatchObject({ decision: 'grant', entriesLeft: 0 });
    expect(later.body.eventId).not.toBe(first.body.eventId);
  });
});
