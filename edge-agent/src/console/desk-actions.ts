import type { Decision } from '@lounge/shared';
import type { Annulment } from '../annul.ts';
import { DESK_GATE, type OccupancyActions } from '../occupancy/index.ts';
import type { DeskActions } from './ports.ts';

export { DESK_GATE };

export interface DeskActionDeps {
  /** The agent's dry run (`POST /v1/verify`). */
  verify(code: string, gate: string): Promise<Decision>;
  /** The agent's annulment (metrics, SSE, upload wake-up), with the staff member. */
  annul(eventId: string, staff: string): Annulment;
  /** The agent's occupancy actions: they record, count and publish (SPEC.md 8). */
  actions: Pick<OccupancyActions, 'occupancy' | 'admitByHand' | 'admitOverCapacity' | 'adjust'>;
}

/**
 * The desk console's port over the agent: thin calls, nothing recorded here. Admit by hand,
 * the LOUNGE_FULL override and adjust are the occupancy actions (SPEC.md 8 "Desk overrides").
 */
export function createDeskActions(d: DeskActionDeps): DeskActions {
  const { actions } = d;
  return {
    check: (code) => d.verify(code, DESK_GATE),
    annul: (id, staff) => d.annul(id, staff),
    admitByHand: ({ staff, party, reason }) =>
      actions.admitByHand({ staff, reason, partySize: party, gate: DESK_GATE }),
    admitOverCapacity: ({ code, staff, reason }) =>
      actions.admitOverCapacity({ code, staff, reason, gate: DESK_GATE }),
    adjust: ({ staff, delta, reason }) => {
      const { inside, capacity } = actions.adjust({ staff, delta, reason, gate: DESK_GATE });
      return { inside, capacity };
    },
    occupancy: () => actions.occupancy(),
  };
}
