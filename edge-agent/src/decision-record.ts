import type {
  Decision,
  DecisionOutcome,
  Occupancy,
  Rejection,
  VerifiedToken,
} from '@lounge/shared';
import { decide, ProblemError } from '@lounge/shared';
import { retryOutcome, SCAN_ID_TTL_MS } from './scan-retry.ts';
import type { EdgeState, OccupancySum } from './state/index.ts';

/** Where a scan came from: the local API (turnstile), an attached scanner, or desk staff. */
export type DecisionSource = 'api' | 'scanner' | 'desk';

/** Emitted after each recorded decision. */
export interface DecisionEvent {
  decision: Decision;
  source: DecisionSource;
  latencyMs: number;
  detail: string;
  /** The occupancy sum after a consuming grant, read in its (now committed) transaction. */
  occupancy?: OccupancySum;
}

/**
 * Everything the durable step of a scan needs, as plain data: it runs on the decision thread
 * (a worker with its own connection) or inline, and must not depend on which.
 */
export interface ScanRecord {
  verification: VerifiedToken | Rejection;
  codeSha256: string;
  gate: string;
  source: DecisionSource;
  scanId?: string;
  override?: { staff: string; reason: string };
  receivedAt: number;
  /** The decision's instant, read from the agent's clock when the scan was handed over. */
  now: number;
  /** The event id this decision gets if it is recorded (unused for a replayed retry). */
  eventId: string;
  offline: boolean;
  clockSuspect: boolean;
}

/** A recorded decision, or the decision a known `scanId` was answered with. */
export type RecordOutcome = DecisionEvent | { retry: Decision };

/** What the durable step reads and writes, and the box's fixed facts. */
export interface RecordContext {
  state: Pick<EdgeState, 'invitations' | 'scanIds' | 'outbox' | 'accessLog'>;
  /** The lounge's occupancy as seen through this connection. */
  occupancy?: { reading(nowMs: number): { occupancy: Occupancy; sum: OccupancySum } };
  deviceId: string;
  loungeId: string;
  clockSkewSeconds: number;
}

/** The pure decision over the state read now (no write). */
export function outcomeOf(
  ctx: Pick<RecordContext, 'state' | 'loungeId' | 'clockSkewSeconds'>,
  verification: VerifiedToken | Rejection,
  now: number,
  override: boolean,
  occupancy: Occupancy | undefined,
): DecisionOutcome {
  const state = verification.ok
    ? ctx.state.invitations.stateOf(verification.claims.jti)
    : { revoked: false, entriesUsed: 0 };
  return decide({
    verification,
    state,
    loungeId: ctx.loungeId,
    nowMs: now,
    clockSkewSeconds: ctx.clockSkewSeconds,
    ...(occupancy && { occupancy }),
    override,
  });
}

/** The answer for a decided scan (SPEC.md 8), without the parts only a recorded one has. */
export function assembleDecision(
  o: DecisionOutcome,
  r: Pick<ScanRecord, 'gate' | 'now' | 'eventId' | 'offline' | 'clockSuspect' | 'scanId'>,
): Decision {
  return {
    decision: o.decision,
    reason: o.reason,
    invitationId: o.invitationId,
    admit: o.admit,
    entriesLeft: o.entriesLeft,
    validUntil: o.validUntil,
    gate: r.gate,
    eventId: r.eventId,
    decidedAt: new Date(r.now).toISOString(),
    offline: r.offline,
    ...(r.clockSuspect && { clockSuspect: true as const }),
    ...(r.scanId !== undefined && { scanId: r.scanId }),
  };
}

/**
 * The durable step of a scan (SPEC.md 8), meant to run inside a write transaction: read state,
 * decide, and write consumption, grant, access log and entry outbox, with nothing awaited in
 * between, so concurrent scans of one code cannot both consume it. A known `scanId` replays
 * its recorded decision (nothing written); with another code or gate it throws SCAN_ID_REUSED.
 */
export function recordScan(ctx: RecordContext, r: ScanRecord): RecordOutcome {
  const { state, deviceId, loungeId } = ctx;
  const { gate, scanId, override, now } = r;
  if (scanId !== undefined) {
    const retry = retryOutcome(
      state.scanIds.find(scanId),
      { codeSha256: r.codeSha256, gate },
      now,
      (eventId) => (state.invitations.findGrant(eventId)?.annulledAt ?? null) !== null,
    );
    if (retry.kind === 'reused') throw new ProblemError('SCAN_ID_REUSED', retry.detail);
    if (retry.kind === 'replay') return { retry: retry.decision };
  }
  const before = ctx.occupancy?.reading(now);
  const outcome = outcomeOf(ctx, r.verification, now, override !== undefined, before?.occupancy);
  const decision = assembleDecision(outcome, r);
  if (outcome.reason === 'OVERRIDE') decision.staff = override!.staff;
  const latencyMs = Math.max(0, now - r.receivedAt);
  const consumes = outcome.decision === 'grant' && Boolean(outcome.invitationId);
  if (consumes) {
    const inv = outcome.invitationId!;
    state.invitations.insertGrant({
      eventId: decision.eventId,
      invitationId: inv,
      gate,
      atMs: now,
      admit: outcome.admit,
      entriesLeft: outcome.entriesLeft,
    });
    state.invitations.recordEntry(decision.eventId, inv, deviceId, 1, now, {
      people: outcome.admit,
    });
    state.outbox.enqueue(
      {
        type: 'grant',
        eventId: decision.eventId,
        invitationId: inv,
        deviceId,
        gate,
        admit: outcome.admit,
        at: decision.decidedAt,
        reason: outcome.reason === 'OVERRIDE' ? 'OVERRIDE' : 'OK',
        ...(decision.staff !== undefined && { staff: decision.staff }),
      },
      now,
    );
  }
  // The count after this decision's own rows: its record holds it, and once committed the
  // occupancy takes it as its latest (DecisionEvent.occupancy).
  const after = consumes ? ctx.occupancy?.reading(now) : before;
  const inside = after?.occupancy.inside;
  state.accessLog.insert({
    eventId: decision.eventId,
    deviceId,
    loungeId,
    gate,
    invitationId: decision.invitationId,
    decision: decision.decision,
    reason: decision.reason,
    admit: decision.admit,
    decidedAt: decision.decidedAt,
    offline: r.offline,
    codeSha256: r.codeSha256,
    latencyMs,
    ...(scanId !== undefined && { scanId }),
    ...(r.clockSuspect && { clockSuspect: true }),
    ...(decision.staff !== undefined && { staff: decision.staff, note: override!.reason }),
    ...(inside !== undefined && { inside }),
  });
  if (scanId !== undefined) {
    state.scanIds.prune(now - SCAN_ID_TTL_MS);
    state.scanIds.record({ scanId, codeSha256: r.codeSha256, gate, decision, atMs: now });
  }
  return {
    decision,
    source: r.source,
    latencyMs,
    detail: outcome.detail,
    ...(consumes && after && { occupancy: after.sum }),
  };
}
