import { decide, verifyToken, type Decision } from '@lounge/shared';
import type { AppDeps } from '../deps.ts';
import { newEventId } from '../outbox/events.ts';
import { entryOutbox, eventInput } from './record-lounge-events.ts';

/** Clock tolerance of cloud decisions: the cloud's own clock is the reference. */
const CLOCK_SKEW_SECONDS = 60;

export interface ValidateRequest {
  code: string;
  loungeId: string;
  consume?: boolean;
  gate?: string;
}

/**
 * Decides a scanned code with the same pure `decide()` as the edge, against the cloud's own
 * revocations and entries (SPEC.md 5 and 8). `consume: true` records the entry on a grant.
 */
export async function validateCode(
  deps: Pick<AppDeps, 'clock' | 'keys' | 'store' | 'metrics' | 'notifyOutbox' | 'log'>,
  req: ValidateRequest,
  actor: string,
): Promise<Decision> {
  const nowMs = deps.clock.now();
  const verification = await verifyToken(req.code, (kid) => deps.keys.verificationKey(kid));
  let revoked = false;
  let entriesUsed = 0;
  if (verification.ok) {
    const jti = verification.claims.jti;
    revoked = (await deps.store.findRevocation(jti)) !== null;
    entriesUsed = await deps.store.entriesUsed(jti);
  }
  const gate = req.gate ?? 'cloud';
  const outcome = decide({
    verification,
    state: { revoked, entriesUsed },
    loungeId: req.loungeId,
    nowMs,
    clockSkewSeconds: CLOCK_SKEW_SECONDS,
  });
  const eventId = newEventId(nowMs);
  const decision: Decision = {
    decision: outcome.decision,
    reason: outcome.reason,
    invitationId: outcome.invitationId,
    admit: outcome.admit,
    entriesLeft: outcome.entriesLeft,
    validUntil: outcome.validUntil,
    gate,
    eventId,
    decidedAt: new Date(nowMs).toISOString(),
    offline: false,
    ...(req.consume ? {} : { dryRun: true as const }),
  };
  if (req.consume && outcome.consumes && outcome.invitationId) {
    // The cloud's own decision: a grant event like an edge's, stored without the device checks.
    const grant = {
      type: 'grant' as const,
      eventId,
      deviceId: actor,
      gate,
      at: decision.decidedAt,
      invitationId: outcome.invitationId,
      admit: outcome.admit,
      reason: 'OK' as const,
    };
    await deps.store.recordLoungeEvents([eventInput(grant, req.loungeId)], entryOutbox);
    deps.metrics.loungeEvents.inc({ channel: 'cloud', type: 'grant' });
    deps.notifyOutbox();
  }
  deps.log.info(
    { eventId, invitationId: decision.invitationId, reason: decision.reason, actor },
    'cloud decision',
  );
  return decision;
}
