import { ManualClock } from '@lounge/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  makeSigner,
  startAgent,
  startFakeCloud,
  tempDir,
  type Signer,
  type TestAgent,
} from './fixtures.ts';

// POST /v1/decisions/:eventId/annul: the turnstile did not turn (SPEC.md 8).
describe('annulling a grant', () => {
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

  const annul = (eventId: unknown) => edge.call('POST', `/v1/decisions/${String(eventId)}/annul`);

  it('gives the entry back, logs it and queues an annul event naming the grant; twice is 409', async () => {
    const token = await signer.token(clock, { gst: 1 });
    const grant = await edge.scan(token, 'gate1');
    expect(grant).toMatchObject({ decision: 'grant', admit: 2, entriesLeft: 0 });
    clock.advance(60_000);

    const res = await annul(grant.eventId);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      annuls: grant.eventId,
      invitationId: grant.invitationId,
      gate: 'gate1',
      admit: -2,
      annulledAt: new Date(clock.now()).toISOString(),
    });
    const log = edge.agent.state.accessLog.byEventId(String(body.eventId));
    expect(log).toMatchObject({ reason: 'ANNULLED', annuls: grant.eventId, admit: 0 });
    const queued = edge.agent.state.outbox.pending(100).map((e) => e.event);
    expect(queued).toContainEqual(
      expect.objectContaining({ type: 'annul', eventId: body.eventId, annuls: grant.eventId }),
    );

    const twice = await annul(grant.eventId);
    expect(twice.status).toBe(409);
    expect(twice.headers.get('content-type')).toBe('application/problem+json');
    expect(await twice.json()).toMatchObject({ code: 'ALREADY_ANNULLED', status: 409 });

    // The entry is back: the same code is granted again, even on the same gate right away.
    expect(await edge.scan(token, 'gate1')).toMatchObject({ decision: 'grant', entriesLeft: 0 });
    expect(await edge.scan(token, 'gate2')).toMatchObject({ reason: 'ALREADY_USED' });
  });

  it('a read of the used code is ALREADY_USED and cannot be annulled; the grant can', async () => {
    const token = await signer.token(clock);
    const grant = await edge.scan(token, 'gate3');
    const again = await edge.scan(token, 'gate3');
    expect(again).toMatchObject({ decision: 'deny', reason: 'ALREADY_USED' });
    expect((await annul(again.eventId)).status).toBe(404);
    const res = await annul(grant.eventId);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ annuls: grant.eventId });
  });

  it('refuses after 5 minutes with ANNUL_WINDOW_PASSED', async () => {
    const grant = await edge.scan(await signer.token(clock), 'gate1');
    clock.advance(5 * 60_000 + 1000);
    const res = await annul(grant.eventId);
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ code: 'ANNUL_WINDOW_PASSED' });
  });

  it('answers 404 DECISION_NOT_FOUND for an unknown id or a deny', async () => {
    const deny = await edge.scan('not-a-token');
    for (const id of ['evt_01JD0000000000000000000000', deny.eventId, 'nonsense']) {
      const res = await annul(id);
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ code: 'DECISION_NOT_FOUND', status: 404 });
    }
  });
});
