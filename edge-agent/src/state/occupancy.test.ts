import { insideOf, loungeEventSchema, type LoungeEvent } from '@lounge/shared';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { openEdgeState, PeerEvents } from './index.ts';

const LOUNGE = 'MAD-T4S-VELAZQUEZ';
const ME = 'dev_01J0000000000000000000000A';
const PEERS = ['dev_01J0000000000000000000000B', 'dev_01J0000000000000000000000C'];
const T = Date.UTC(2030, 0, 1, 10); // the closing time; only differences matter
const evt = (n: number) => `evt_01J${String(n).padStart(23, '0')}`;

/** A random history of lounge events from the peers, around the closing time T. */
const history = fc
  .array(
    fc.record({
      kind: fc.constantFrom('grant', 'annul', 'exit', 'adjust'),
      peer: fc.constantFrom(0, 1),
      offsetMs: fc.integer({ min: -600_000, max: 600_000 }),
      n: fc.integer({ min: 1, max: 5 }),
      pick: fc.nat(),
    }),
    { maxLength: 40 },
  )
  .map((steps) => {
    const events: LoungeEvent[] = [];
    steps.forEach((s, i) => {
      const common = {
        eventId: evt(i + 1),
        deviceId: PEERS[s.peer]!,
        gate: 'g',
        at: new Date(T + s.offsetMs).toISOString(),
      };
      if (s.kind === 'grant') {
        events.push({
          type: 'grant',
          ...common,
          invitationId: null,
          admit: s.n,
          reason: 'OVERRIDE',
          staff: 'ana',
        });
      } else if (s.kind === 'exit') {
        events.push({ type: 'exit', ...common, count: s.n });
      } else if (s.kind === 'adjust') {
        events.push({ type: 'adjust', ...common, delta: s.pick % 2 ? s.n : -s.n, staff: 'ana' });
      } else {
        // An annul of an earlier grant of the same box, a minute after it (some get refused).
        const grants = events.filter((e) => e.type === 'grant' && e.deviceId === common.deviceId);
        const g = grants[s.pick % Math.max(1, grants.length)];
        if (g) {
          const at = new Date(Date.parse(g.at) + 60_000).toISOString();
          events.push({ type: 'annul', ...common, at, annuls: g.eventId });
        }
      }
    });
    return events;
  });

describe('the SQL occupancy sum', () => {
  it('agrees with the shared fold over every event the box accepted, before and after closing', () => {
    fc.assert(
      fc.property(history, fc.constantFrom(null, T), (events, since) => {
        const state = openEdgeState({ file: ':memory:' });
        const peers = new PeerEvents(state.db, state.invitations, {
          deviceId: ME,
          loungeId: LOUNGE,
        });
        const accepted = events.filter((e) => {
          expect(loungeEventSchema.safeParse(e).success).toBe(true);
          return peers.apply(e, T) === 'applied';
        });
        // Asked twice: from scratch, then from the memo after more rows arrive.
        expect(Math.max(0, state.occupancy.sum(since))).toBe(insideOf(accepted, since));
        const more: LoungeEvent = {
          type: 'adjust',
          eventId: evt(999),
          deviceId: PEERS[0]!,
          gate: 'g',
          at: new Date(T + 1).toISOString(),
          delta: 2,
          staff: 'ana',
        };
        peers.apply(more, T);
        expect(Math.max(0, state.occupancy.sum(since))).toBe(insideOf([...accepted, more], since));
        state.close();
      }),
      { numRuns: 60 },
    );
  });

  it('never keeps rows of a rolled-back transaction in its memo', () => {
    const state = openEdgeState({ file: ':memory:' });
    const add = (id: number, people: number) =>
      state.invitations.recordEntry(evt(id), '', PEERS[0]!, 0, T, { kind: 'adjust', people });
    add(1, 3);
    expect(state.occupancy.sum(null)).toBe(3);
    expect(() =>
      state.db.transaction(() => {
        add(2, 5);
        expect(state.occupancy.sum(null)).toBe(8);
        throw new Error('rolled back');
      })(),
    ).toThrow('rolled back');
    add(3, 1);
    expect(state.occupancy.sum(null)).toBe(4);
    state.close();
  });
});
