import type { Clock } from '@lounge/shared';
import { canAnnul, newEventId, ProblemError } from '@lounge/shared';
import type { LoungeOccupancy } from './occupancy/lounge-occupancy.ts';
import type { EdgeState } from './state/index.ts';

/** The answer to `POST /v1/decisions/:eventId/annul`, also the SSE `annul` data. */
export interface Annulment {
  /** The annulment's own event id (its access-log record and entry event). */
  eventId: string;
  /** The grant whose entry was given back. */
  annuls: string;
  /** Null for a party admitted by hand (no code). */
  invitationId: string | null;
  gate: string;
  /** Negative: the people the grant admitted, given back. */
  admit: number;
  annulledAt: string;
  /** The staff member who annulled it at the desk console. */
  staff?: string;
}

export interface AnnulDeps {
  state: EdgeState;
  clock: Clock;
  deviceId: string;
  loungeId: string;
  isOffline: () => boolean;
  newEventId?: (nowMs: number) => string;
  /** The inside count after the annulment goes into its access-log record. */
  occupancy?: LoungeOccupancy;
}

/**
 * The turnstile did not turn: within 5 minutes of a grant, give its entry back (SPEC.md 8).
 * A turnstile retry of that grant's `scanId` then answers ANNULLED. One transaction: the grant
 * is marked, consumption drops by one, an access-log record and an `annul` lounge event naming
 * the grant are written. Throws DECISION_NOT_FOUND, ALREADY_ANNULLED or ANNUL_WINDOW_PASSED.
 * A code-less override (invitation '') gives back no entry; `staff` names who annulled it.
 */
export function annulGrant(deps: AnnulDeps, eventId: string, staff?: string): Annulment {
  const { state, clock, deviceId, loungeId } = deps;
  const offline = deps.isOffline();
  return state.db
    .transaction((): Annulment => {
      const now = clock.now();
      const grant = state.invitations.findGrant(eventId);
      if (!grant) throw new ProblemError('DECISION_NOT_FOUND', `no grant with eventId ${eventId}`);
      if (grant.annulledAt !== null) {
        throw new ProblemError('ALREADY_ANNULLED', `grant ${grant.eventId} is already annulled`, {
          annulledBy: grant.annulEventId,
        });
      }
      if (!canAnnul(grant.atMs, now)) {
        throw new ProblemError(
          'ANNUL_WINDOW_PASSED',
          `grant ${eventId} is more than 5 minutes old`,
        );
      }
      const annulId = (deps.newEventId ?? ((ms: number) => newEventId(ms)))(now);
      const at = new Date(now).toISOString();
      state.invitations.markAnnulled(grant.eventId, now, annulId);
      // A code-less grant (invitation '') took no entry: there is none to give back.
      const codeless = grant.invitationId === '';
      state.invitations.recordEntry(annulId, grant.invitationId, deviceId, codeless ? 0 : -1, now, {
        kind: 'annul',
        people: -grant.admit,
        countsAt: grant.atMs,
      });
      state.outbox.enqueue(
        {
          type: 'annul',
          eventId: annulId,
          deviceId,
          gate: grant.gate,
          at,
          annuls: grant.eventId,
          ...(staff !== undefined && { staff }),
        },
        now,
      );
      const original = state.accessLog.byEventId(grant.eventId);
      state.accessLog.insert({
        eventId: annulId,
        deviceId,
        loungeId,
        gate: grant.gate,
        invitationId: codeless ? null : grant.invitationId,
        decision: 'deny',
        reason: 'ANNULLED',
        admit: 0,
        decidedAt: at,
        offline,
        codeSha256: original?.codeSha256 ?? '0'.repeat(64),
        latencyMs: 0,
        annuls: grant.eventId,
        ...(staff !== undefined && { staff }),
        ...(deps.occupancy && { inside: deps.occupancy.current(now).inside }),
      });
      return {
        eventId: annulId,
        annuls: grant.eventId,
        invitationId: codeless ? null : grant.invitationId,
        gate: grant.gate,
        admit: -grant.admit,
        annulledAt: at,
        ...(staff !== undefined && { staff }),
      };
    })
    .immediate();
}
