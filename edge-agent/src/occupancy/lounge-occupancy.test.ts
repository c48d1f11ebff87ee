import type { Occupancy } from '@lounge/shared';
import { afterEach, describe, expect, it } from 'vitest';
import { openEdgeState, type EdgeState } from '../state/index.ts';
import { LoungeOccupancy } from './lounge-occupancy.ts';

const NOW = Date.UTC(2030, 0, 1, 10);
const clock = { now: () => NOW };
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('LoungeOccupancy events', () => {
  let state: EdgeState;
  afterEach(() => state.close());

  const setup = () => {
    state = openEdgeState({ file: ':memory:' });
    const sent: Occupancy[] = [];
    let reads = 0;
    const read = state.occupancy.read.bind(state.occupancy);
    state.occupancy.read = (since) => {
      reads++;
      return read(since);
    };
    const occupancy = new LoungeOccupancy({
      store: state.occupancy,
      clock,
      onChange: (o) => sent.push(o),
    });
    /** A grant of `people` in its own transaction; the sum read after it, as a decision does. */
    const grant = (eventId: string, people: number) =>
      state.db.transaction(() => {
        state.invitations.recordEntry(eventId, 'inv_1', 'dev_1', 1, NOW, { people });
        return occupancy.reading(NOW).sum;
      })();
    return { occupancy, sent, grant, reads: () => reads };
  };

  it('takes the count from the committed sums of the turn without a read of its own', async () => {
    const { occupancy, sent, grant, reads } = setup();
    occupancy.changed(grant('evt_1', 2));
    occupancy.changed(grant('evt_2', 3));
    const before = reads();
    await nextTurn();
    expect(sent).toEqual([{ inside: 5, capacity: null }]);
    expect(reads()).toBe(before);
    expect(occupancy.current()).toEqual({ inside: 5, capacity: null });
  });

  it('reads when a change of the turn came without a sum (a peer event)', async () => {
    const { occupancy, sent, grant } = setup();
    occupancy.changed(grant('evt_1', 2));
    state.invitations.recordEntry('evt_peer', 'inv_2', 'dev_2', 1, NOW, { people: 4 });
    occupancy.changed();
    await nextTurn();
    expect(sent).toEqual([{ inside: 6, capacity: null }]);
  });

  it('never keeps a sum read in a transaction that rolled back', async () => {
    const { occupancy, sent } = setup();
    expect(() =>
      state.db.transaction(() => {
        state.invitations.recordEntry('evt_gone', 'inv_1', 'dev_1', 1, NOW, { people: 7 });
        occupancy.reading(NOW);
        throw new Error('rolled back');
      })(),
    ).toThrow('rolled back');
    occupancy.changed();
    await nextTurn();
    expect(sent).toEqual([{ inside: 0, capacity: null }]);
  });
});
