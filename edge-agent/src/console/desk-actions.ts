import type { Clock, Decision } from '@lounge/shared';
import { newEventId } from '@lounge/shared';
import type { Annulment } from '../annul.ts';
import type { EdgeState } from '../state/index.ts';
import type { DeskActions, HandAdmission, Occupancy } from './ports.ts';

/** The gate desk actions are recorded under. */
export const DESK_GATE = 'desk';

/** Stands for "no code" where the access log wants the hash of one. */
const NO_CODE = '0'.repeat(64);

export interface DeskActionDeps {
  state: EdgeState;
  clock: Clock;
  deviceId: string;
  loungeId: string;
  isOffline(): boolean;
  isClockSuspect(): boolean;
  /** The agent's dry run (`POST /v1/verify`). */
  verify(code: string, gate: string): Promise<Decision>;
  /** The agent's annulment (metrics, SSE, upload wake-up), with the staff member. */
  annul(eventId: string, staff: string): Annulment;
  /** Tells the agent a decision was recorded (SSE, metrics, log line, upload wake-up). */
  recorded(decision: Decision): void;
  /** Runs the recording transaction (the storage guard). */
  storage?: <T>(write: () => T) => T;
  /** Occupancy, once the occupancy code provides it. */
  occupancy?(): Occupancy;
  newEventId?: (nowMs: number) => string;
}

/**
 * The desk actions over today's edge state. Admit by hand is SPEC.md 8 override (b): a grant
 * with `invitationId` null, `admit` = the party, reason OVERRIDE and `staff`, recorded like a
 * scan's grant (grants row so it can be annulled, access-log record for IBDP, lounge event on
 * the outbox) in one transaction, never sent to the turnstile webhook.
 *
 * Occupancy belongs to the occupancy code: until it is wired in, `occupancy()` reports
 * nothing counted and `adjust` records the event without a count to move.
 */
export function createDeskActions(d: DeskActionDeps): DeskActions {
  const eventId = d.newEventId ?? ((ms: number) => newEventId(ms));
  const write = d.storage ?? (<T>(w: () => T): T => w());
  const occupancy = (): Occupancy => d.occupancy?.() ?? { inside: null, capacity: null };

  const admitByHand = (input: HandAdmission): Decision => {
    const { state, clock, deviceId, loungeId } = d;
    const offline = d.isOffline();
    const clockSuspect = d.isClockSuspect();
    const decision = write(() =>
      state.db
        .transaction((): Decision => {
          const now = clock.now();
          const id = eventId(now);
          const at = new Date(now).toISOString();
          state.invitations.insertGrant({
            eventId: id,
            invitationId: '',
            gate: DESK_GATE,
            atMs: now,
            admit: input.party,
            entriesLeft: 0,
          });
          state.invitations.recordEntry(id, '', deviceId, 0, now, { kind: 'grant' });
          state.outbox.enqueue(
            {
              type: 'grant',
              eventId: id,
              deviceId,
              gate: DESK_GATE,
              at,
              invitationId: null,
              admit: input.party,
              reason: 'OVERRIDE',
              staff: input.staff,
            },
            now,
          );
          state.accessLog.insert({
            eventId: id,
            deviceId,
            loungeId,
            gate: DESK_GATE,
            invitationId: null,
            decision: 'grant',
            reason: 'OVERRIDE',
            admit: input.party,
            decidedAt: at,
            offline,
            codeSha256: NO_CODE,
            latencyMs: 0,
            staff: input.staff,
            note: input.reason,
            ...(clockSuspect && { clockSuspect: true }),
          });
          return {
            decision: 'grant',
            reason: 'OVERRIDE',
            invitationId: null,
            admit: input.party,
            entriesLeft: 0,
            validUntil: null,
            gate: DESK_GATE,
            eventId: id,
            decidedAt: at,
            offline,
            ...(clockSuspect && { clockSuspect: true as const }),
            staff: input.staff,
          };
        })
        .immediate(),
    );
    d.recorded(decision);
    return decision;
  };

  const adjust = (input: { staff: string; delta: number; reason: string }): Occupancy => {
    const { state, clock, deviceId, loungeId } = d;
    const offline = d.isOffline();
    write(() =>
      state.db
        .transaction(() => {
          const now = clock.now();
          const id = eventId(now);
          const at = new Date(now).toISOString();
          state.invitations.recordEntry(id, '', deviceId, 0, now, { kind: 'adjust' });
          state.outbox.enqueue(
            {
              type: 'adjust',
              eventId: id,
              deviceId,
              gate: DESK_GATE,
              at,
              delta: input.delta,
              staff: input.staff,
            },
            now,
          );
          state.accessLog.insert({
            eventId: id,
            deviceId,
            loungeId,
            gate: DESK_GATE,
            invitationId: null,
            decision: 'adjust',
            reason: 'ADJUST',
            admit: 0,
            decidedAt: at,
            offline,
            codeSha256: NO_CODE,
            latencyMs: 0,
            staff: input.staff,
            note: `${input.delta > 0 ? '+' : ''}${input.delta}: ${input.reason}`,
          });
        })
        .immediate(),
    );
    return occupancy();
  };

  return {
    check: (code) => d.verify(code, DESK_GATE),
    annul: (id, staff) => d.annul(id, staff),
    admitByHand,
    adjust,
    occupancy,
  };
}
