import { ProblemError, type Decision, type LoungeConfig, type Occupancy } from '@lounge/shared';
import type { Logger } from 'pino';
import type { DecisionEvent, DecisionService } from '../decision-service.ts';
import {
  adjustInside,
  admitByHand,
  DESK_GATE,
  recordExit,
  type Adjustment,
  type DeskDeps,
  type ExitInput,
  type HandAdmission,
  type OccupancyChange,
} from './desk.ts';

/** What the agent offers the turnstile API and the desk console about occupancy (SPEC.md 8). */
export interface OccupancyActions {
  /** People inside and the lounge's capacity (SPEC.md 8), as `/healthz` shows them. */
  occupancy(): Occupancy;
  /** People counted leaving (`POST /v1/passages`, or the console): the count after it. */
  recordExit(input: Omit<ExitInput, 'gate'> & { gate?: string }): OccupancyChange;
  /** Staff correct the inside count (an `adjust` event naming them). */
  adjust(input: Adjustment): OccupancyChange;
  /** Staff admit a party without a code (reason OVERRIDE, invitationId null). */
  admitByHand(input: HandAdmission): Decision;
  /**
   * Staff override a code denied LOUNGE_FULL (only that reason): a grant with reason OVERRIDE
   * that consumes an entry. Any other outcome is answered, and recorded, as a scan would be.
   */
  admitOverCapacity(input: {
    code: string;
    staff: string;
    reason: string;
    gate?: string;
  }): Promise<Decision>;
  /** A lounge config from the cloud (MQTT or `GET /v1/lounges/:id`); true when it changed. */
  setLoungeConfig(config: LoungeConfig): boolean;
}

/** The occupancy actions over the agent's state, decisions and event fan-out. */
export function occupancyActions(d: {
  desk: DeskDeps;
  decisions: DecisionService;
  log: Logger;
  /** The agent's after-decision path: metrics, log, SSE, wake the sync and uploader. */
  onDecision: (event: DecisionEvent) => void;
  /** Wakes the sync and the uploader (an exit or adjust to publish and upload). */
  wake: () => void;
}): OccupancyActions {
  const { desk, log } = d;
  return {
    occupancy: () => desk.occupancy.current(),
    recordExit(input) {
      const result = recordExit(desk, { ...input, gate: input.gate ?? 'turnstile' });
      if (!result.duplicate) log.info({ ...input, inside: result.inside }, 'exit counted');
      d.wake();
      return result;
    },
    adjust(input) {
      const result = adjustInside(desk, input);
      log.info({ ...input, inside: result.inside }, 'inside count adjusted');
      d.wake();
      return result;
    },
    admitByHand(input) {
      const decision = admitByHand(desk, input);
      d.onDecision({ decision, source: 'desk', latencyMs: 0, detail: input.reason });
      return decision;
    },
    async admitOverCapacity({ code, staff, reason, gate }) {
      if (!reason.trim()) throw new ProblemError('INVALID_REQUEST', 'reason: is required');
      // The staff name travels in the grant event: it must be one every box accepts.
      if (staff.length < 1 || staff.length > 64) {
        throw new ProblemError('INVALID_REQUEST', 'staff: expected 1-64 characters');
      }
      return d.decisions.scan({
        code,
        gate: gate ?? DESK_GATE,
        receivedAt: desk.clock.now(),
        source: 'desk',
        override: { staff, reason },
      });
    },
    setLoungeConfig: (config) => desk.occupancy.setConfig(config),
  };
}
