import type { Decision } from '@lounge/shared';
import type { RecordedScan } from './state/index.ts';

/** How long a turnstile retry (the same `scanId`) gets the recorded decision (SPEC.md 8). */
export const SCAN_ID_TTL_MS = 5 * 60 * 1000;

/** A `scanId`: the turnstile's id for one physical read (SPEC.md 8). */
export const SCAN_ID_RE = /^[A-Za-z0-9_.:-]{1,64}$/;

export type RetryOutcome =
  { kind: 'new' } | { kind: 'replay'; decision: Decision } | { kind: 'reused'; detail: string };

/**
 * What a scan carrying a `scanId` gets, given what was recorded under that id: a new decision
 * (never seen, or over 5 minutes ago), the recorded decision (a retry: same code, same gate) or
 * SCAN_ID_REUSED (another code or gate). A grant annulled since is answered as a deny, reason
 * ANNULLED, admit 0, same eventId: the gate did not open then, and a retry must not open it.
 */
export function retryOutcome(
  recorded: RecordedScan | undefined,
  scan: { codeSha256: string; gate: string },
  nowMs: number,
  isAnnulled: (eventId: string) => boolean,
): RetryOutcome {
  // A clock stepped back (recorded in the "future") still counts as within the window.
  if (!recorded || nowMs - recorded.atMs > SCAN_ID_TTL_MS) return { kind: 'new' };
  if (recorded.gate !== scan.gate) {
    return { kind: 'reused', detail: `scanId ${recorded.scanId} was used on another gate` };
  }
  if (recorded.codeSha256 !== scan.codeSha256) {
    return { kind: 'reused', detail: `scanId ${recorded.scanId} was used with another code` };
  }
  const d = recorded.decision;
  if (d.decision === 'grant' && isAnnulled(d.eventId)) {
    return { kind: 'replay', decision: { ...d, decision: 'deny', reason: 'ANNULLED', admit: 0 } };
  }
  return { kind: 'replay', decision: d };
}
