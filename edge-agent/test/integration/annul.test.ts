import { describe, expect } from 'vitest';
import type { TestAgent } from './fixtures.ts';
import { edgeTest } from './edge-test.ts';

// POST /v1/decisions/:eventId/annul: the turnstile did not turn (SPEC.md 8).
describe('annulling a grant', () => {
  const annul = (edge: TestAgent, eventId: unknown) =>
    edge.call('POST', `/v1/decisions/${String(eventId)}/annul`);

  edgeTest(
    'gives the entry back, logs it and queues an annul event naming the grant; twice is 409',
    async ({ edge, signer, clock }) => {
      const token = await signer.token(clock, { gst: 1 });
      const grant = await edge.scan(token, 'gate1');
      expect(grant).toMatchObject({ decision: 'grant', admit: 2, entriesLeft: 0 });
      clock.advance(60_000);

      const res = await annul(edge, grant.eventId);
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

      const twice = await annul(edge, grant.eventId);
      expect(twice.status).toBe(409);
      expect(twice.headers.get('content-type')).toBe('application/problem+json');
      expect(await twice.json()).toMatchObject({ code: 'ALREADY_ANNULLED', status: 409 });

      // The entry is back: the same code is granted again, even on the same gate right away.
      expect(await edge.scan(token, 'gate1')).toMatchObject({ decision: 'grant', entriesLeft: 0 });
      expect(await edge.scan(token, 'gate2')).toMatchObject({ reason: 'ALREADY_USED' });
    },
  );

  edgeTest(
    'a read of the used code is ALREADY_USED and cannot be annulled; the grant can',
    async ({ edge, signer, clock }) => {
      const token = await signer.token(clock);
      const grant = await edge.scan(token, 'gate3');
      const again = await edge.scan(token, 'gate3');
      expect(again).toMatchObject({ decision: 'deny', reason: 'ALREADY_USED' });
      expect((await annul(edge, again.eventId)).status).toBe(404);
      const res = await annul(edge, grant.eventId);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ annuls: grant.eventId });
    },
  );

  edgeTest('refuses after 5 minutes with ANNUL_WINDOW_PASSED', async ({ edge, signer, clock }) => {
    const grant = await edge.scan(await signer.token(clock), 'gate1');
    clock.advance(5 * 60_000 + 1000);
    const res = await annul(edge, grant.eventId);
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ code: 'ANNUL_WINDOW_PASSED' });
  });

  edgeTest('answers 404 DECISION_NOT_FOUND for an unknown id or a deny', async ({ edge }) => {
    const deny = await edge.scan('not-a-token');
    for (const id of ['evt_01JD0000000000000000000000', deny.eventId, 'nonsense']) {
      const res = await annul(edge, id);
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ code: 'DECISION_NOT_FOUND', status: 404 });
    }
  });
});
