import type { LoungeConfig } from '@lounge/shared';
import { describe, expect } from 'vitest';
import { API_TOKEN, metricValue, type TestAgent } from './fixtures.ts';
import { edgeTest } from './edge-test.ts';

// Occupancy and capacity at one box (SPEC.md 8). The clock is a ManualClock and every zone is
// named: nothing depends on today's date or the machine's time zone.
const config = (over: Partial<LoungeConfig> = {}): LoungeConfig => ({
  capacity: 5,
  hours: null,
  timezone: 'Europe/Madrid',
  updatedAt: '2026-11-01T00:00:00.000Z',
  ...over,
});

/** The first `event: occupancy` frame of an SSE stream. */
async function firstOccupancy(res: Response): Promise<unknown> {
  const reader = res.body!.getReader();
  let text = '';
  for (;;) {
    const m = /event: occupancy\ndata: (.*)\n/.exec(text);
    if (m) {
      await reader.cancel();
      return JSON.parse(m[1]!);
    }
    text += new TextDecoder().decode((await reader.read()).value);
  }
}

describe('occupancy and capacity at one box', () => {
  const inside = (edge: TestAgent) => edge.agent.occupancy().inside;
  edgeTest('counts without limit until the lounge has a capacity', async ({ edge }) => {
    expect(edge.agent.occupancy()).toEqual({ inside: 0, capacity: null });
    expect(edge.agent.setLoungeConfig(config())).toBe(true);
    expect(
      edge.agent.setLoungeConfig(config({ capacity: 9, updatedAt: '2026-10-01T00:00:00Z' })),
    ).toBe(false); // older than the one held
    expect(edge.agent.occupancy()).toEqual({ inside: 0, capacity: 5 });
  });

  edgeTest(
    'denies LOUNGE_FULL, consuming nothing, once the party would exceed capacity',
    async ({ edge, signer, clock }) => {
      const sse = fetch(`${edge.url}/v1/events`, {
        headers: { authorization: `Bearer ${API_TOKEN}` },
      });
      expect(await edge.scan(await signer.token(clock, { gst: 1 }))).toMatchObject({ admit: 2 });
      expect(await firstOccupancy(await sse)).toEqual({ inside: 2, capacity: 5 });
      expect(await edge.scan(await signer.token(clock, { gst: 1 }))).toMatchObject({ admit: 2 });
      const full = await signer.token(clock, { gst: 1 });
      const denied = await edge.scan(full);
      expect(denied).toMatchObject({ decision: 'deny', reason: 'LOUNGE_FULL', admit: 0 });
      expect(denied.entriesLeft).toBe(1);
      const inv = String(denied.invitationId);
      expect(edge.agent.state.invitations.stateOf(inv).entriesUsed).toBe(0);
      // One person still fits; its record holds the count after it.
      const fits = await edge.scan(await signer.token(clock, { gst: 0 }));
      expect(fits).toMatchObject({ reason: 'OK' });
      expect(inside(edge)).toBe(5);
      expect(edge.agent.state.accessLog.byEventId(String(fits.eventId))).toMatchObject({
        inside: 5,
      });
      const health = (await (await edge.call('GET', '/healthz', undefined, null)).json()) as object;
      expect(health).toMatchObject({ occupancy: { inside: 5, capacity: 5 } });
      expect(await metricValue(edge, /lounge_edge_occupancy_inside/)).toBe(5);
      expect(await metricValue(edge, /lounge_edge_occupancy_capacity/)).toBe(5);
      const record = edge.agent.state.accessLog.byEventId(String(denied.eventId));
      expect(record).toMatchObject({ reason: 'LOUNGE_FULL', inside: 4 });
    },
  );

  edgeTest(
    'lets desk staff override LOUNGE_FULL (only that), consuming the entry',
    async ({ edge, signer, clock }) => {
      const code = await signer.token(clock, { gst: 1 });
      expect(await edge.scan(code)).toMatchObject({ reason: 'LOUNGE_FULL' });
      const over = await edge.agent.admitOverCapacity({
        code,
        staff: 'ana',
        reason: 'late flight',
      });
      expect(over).toMatchObject({
        decision: 'grant',
        reason: 'OVERRIDE',
        admit: 2,
        entriesLeft: 0,
        staff: 'ana',
        gate: 'desk',
      });
      expect(inside(edge)).toBe(7);
      expect(edge.agent.state.invitations.stateOf(String(over.invitationId)).entriesUsed).toBe(1);
      // The first failing check wins: a used code in a full lounge stays ALREADY_USED.
      await expect(edge.agent.admitOverCapacity({ code, staff: '', reason: 'x' })).rejects.toThrow(
        /staff/,
      );
      const again = await edge.agent.admitOverCapacity({ code, staff: 'ana', reason: 'again' });
      expect(again).toMatchObject({ decision: 'deny', reason: 'ALREADY_USED' });
      expect(edge.agent.state.accessLog.byEventId(over.eventId)).toMatchObject({
        staff: 'ana',
        note: 'late flight',
        inside: 7,
      });
      const pending = edge.agent.state.outbox.pending(100).map((p) => p.event);
      expect(pending).toContainEqual(
        expect.objectContaining({ eventId: over.eventId, reason: 'OVERRIDE', staff: 'ana' }),
      );
    },
  );

  edgeTest('admits a party by hand without a code, and annuls it like any grant', ({ edge }) => {
    const party = edge.agent.admitByHand({ staff: 'luis', reason: 'crew', partySize: 3 });
    expect(party).toMatchObject({
      decision: 'grant',
      reason: 'OVERRIDE',
      invitationId: null,
      admit: 3,
      staff: 'luis',
    });
    expect(inside(edge)).toBe(10);
    const annulled = edge.agent.annul(party.eventId);
    expect(annulled).toMatchObject({ invitationId: null, admit: -3 });
    expect(inside(edge)).toBe(7);
    expect(() => edge.agent.admitByHand({ staff: 'luis', reason: ' ', partySize: 3 })).toThrow(
      /reason/,
    );
    expect(() => edge.agent.admitByHand({ staff: 'luis', reason: 'x', partySize: 0 })).toThrow(
      /partySize/,
    );
  });

  edgeTest(
    'counts turnstile exits once per passageId within 5 minutes',
    async ({ edge, clock }) => {
      const pass = (body: object) => edge.call('POST', '/v1/passages', body);
      const first = await pass({ direction: 'exit', count: 2, passageId: 'p-1', gate: 'east' });
      expect(first.status).toBe(200);
      expect(await first.json()).toEqual({ inside: 5, capacity: 5 });
      expect(await (await pass({ direction: 'exit', count: 2, passageId: 'p-1' })).json()).toEqual({
        inside: 5,
        capacity: 5,
      });
      clock.advance(5 * 60_000 + 1);
      expect(await (await pass({ direction: 'exit', count: 2, passageId: 'p-1' })).json()).toEqual({
        inside: 3,
        capacity: 5,
      });
      expect(await (await pass({ direction: 'exit', count: 1 })).json()).toMatchObject({
        inside: 2,
      });
      for (const bad of [{ count: 1 }, { direction: 'entry', count: 1 }, { direction: 'exit' }]) {
        const res = await pass(bad);
        expect(res.status, JSON.stringify(bad)).toBe(400);
      }
      const [exit] = edge.agent.state.accessLog.recent(1);
      expect(exit).toMatchObject({ decision: 'exit', reason: 'EXIT', admit: -1, inside: 2 });
    },
  );

  edgeTest('lets staff correct the count with an adjust, and never goes below zero', ({ edge }) => {
    expect(edge.agent.adjust({ staff: 'ana', delta: 4 })).toMatchObject({ inside: 6 });
    expect(edge.agent.adjust({ staff: 'ana', delta: -100, reason: 'recount' })).toMatchObject({
      inside: 0,
    });
    const [rec] = edge.agent.state.accessLog.recent(1);
    expect(rec).toMatchObject({ decision: 'adjust', staff: 'ana', admit: -100, inside: 0 });
    expect(() => edge.agent.adjust({ staff: 'ana', delta: 0 })).toThrow(/delta/);
    // The -100 left a debt of 94 below zero: adjusting it back brings inside to 0.
    edge.agent.adjust({ staff: 'ana', delta: 94 });
    expect(inside(edge)).toBe(0);
    edge.agent.adjust({ staff: 'ana', delta: 3 });
    expect(inside(edge)).toBe(3);
  });

  edgeTest(
    'resets at closing time in the lounge time zone, and keeps the config across restarts',
    async ({ edge, signer, clock }) => {
      // November: Madrid is UTC+1, so closing at 23:00 is 22:00Z; the clock is before it.
      const day = Math.floor(clock.now() / 86_400_000) * 86_400_000;
      clock.set(day + 20 * 3_600_000);
      const hours = { opens: '06:00', closes: '23:00' };
      edge.agent.setLoungeConfig(config({ hours, updatedAt: '2026-11-02T00:00:00.000Z' }));
      edge.agent.adjust({ staff: 'ana', delta: 2 });
      expect(inside(edge)).toBeGreaterThan(0);
      clock.set(day + 22 * 3_600_000 + 1);
      expect(inside(edge)).toBe(0);
      expect(await edge.scan(await signer.token(clock, { gst: 1 }))).toMatchObject({
        reason: 'OK',
      });
      await edge.restart();
      expect(edge.agent.occupancy()).toEqual({ inside: 2, capacity: 5 });
    },
  );
});
