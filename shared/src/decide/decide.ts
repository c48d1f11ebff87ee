import { wouldOverfill, type Occupancy } from '../occupancy/occupancy.ts';
import type { DecisionReason } from '../reasons.ts';
import type { Rejection, VerifiedToken } from '../token/verify.ts';
import { checkClaims } from '../token/verify.ts';

/** What the verifier knows about one invitation when it decides (SPEC.md section 8). */
export interface InvitationState {
  revoked: boolean;
  /** Entries consumed so far, across every gate of the lounge (annulled ones given back). */
  entriesUsed: number;
}

export interface DecideInput {
  verification: VerifiedToken | Rejection;
  /** State of the invitation named by the verified `jti`; ignored when verification failed. */
  state: InvitationState;
  loungeId: string;
  nowMs: number;
  clockSkewSeconds: number;
  /** The box's count of people inside and the lounge's capacity; absent: never LOUNGE_FULL. */
  occupancy?: Occupancy;
  /** Desk staff override a LOUNGE_FULL (and nothing else): grant with reason OVERRIDE. */
  override?: boolean;
}

/** The pure part of a decision; the caller adds eventId, gate, decidedAt, offline. */
export interface DecisionOutcome {
  decision: 'grant' | 'deny';
  reason: DecisionReason;
  invitationId: string | null;
  admit: number;
  entriesLeft: number;
  validUntil: string | null;
  /** True when this decision takes one entry (every grant does). */
  consumes: boolean;
  detail: string;
}

/**
 * Grant or deny, in the exact order of SPEC.md section 8: signature-level reasons come from
 * `verifyToken`; then lounge, time window, revocation, use, capacity. An `override` turns a
 * LOUNGE_FULL (only that: a used code in a full lounge stays ALREADY_USED) into a grant with
 * reason OVERRIDE that consumes like any grant. Every grant takes an entry: a
 * repeated read never grants again (scanner double reads and turnstile retries are absorbed
 * before this function, SPEC.md 8), so a code admits at most ent × (1+gst) people.
 */
export function decide(input: DecideInput): DecisionOutcome {
  const { verification: v } = input;
  if (!v.ok) {
    return {
      decision: 'deny',
      reason: v.reason,
      invitationId: null,
      admit: 0,
      entriesLeft: 0,
      validUntil: null,
      consumes: false,
      detail: v.detail,
    };
  }
  const { claims } = v;
  const validUntil = new Date(claims.exp * 1000).toISOString();
  const remaining = Math.max(0, claims.ent - input.state.entriesUsed);
  const deny = (reason: DecisionReason, detail: string): DecisionOutcome => ({
    decision: 'deny',
    reason,
    invitationId: claims.jti,
    admit: 0,
    entriesLeft: remaining,
    validUntil,
    consumes: false,
    detail,
  });

  const claimProblem = checkClaims(claims, {
    audience: input.loungeId,
    nowSeconds: Math.floor(input.nowMs / 1000),
    clockSkewSeconds: input.clockSkewSeconds,
  });
  if (claimProblem) return deny(claimProblem.reason, claimProblem.detail);
  if (input.state.revoked) return deny('REVOKED', 'invitation has been revoked');

  if (remaining <= 0) return deny('ALREADY_USED', `all ${claims.ent} entries used`);
  const admit = 1 + claims.gst;
  const full = input.occupancy !== undefined && wouldOverfill(input.occupancy, admit);
  if (full && !input.override) {
    const { inside, capacity } = input.occupancy!;
    return deny('LOUNGE_FULL', `${inside} inside + ${admit} would exceed capacity ${capacity}`);
  }
  return {
    decision: 'grant',
    reason: full ? 'OVERRIDE' : 'OK',
    invitationId: claims.jti,
    admit,
    entriesLeft: remaining - 1,
    validUntil,
    consumes: true,
    detail: full ? 'granted over capacity by desk staff' : 'granted',
  };
}

/**
 * A party admitted by hand at the desk without a code (SPEC.md 8, override b): a grant of
 * `partySize` people that names and consumes no invitation.
 */
export function admitByHandOutcome(partySize: number): DecisionOutcome {
  return {
    decision: 'grant',
    reason: 'OVERRIDE',
    invitationId: null,
    admit: partySize,
    entriesLeft: 0,
    validUntil: null,
    consumes: false,
    detail: 'admitted by hand by desk staff',
  };
}

/** How long after a grant the turnstile may annul it (it did not turn). */
export const ANNUL_WINDOW_MS = 5 * 60 * 1000;

/** Whether a grant made at `grantAtMs` can still be annulled at `nowMs`. */
export function canAnnul(grantAtMs: number, nowMs: number): boolean {
  return nowMs >= grantAtMs && nowMs - grantAtMs <= ANNUL_WINDOW_MS;
}
