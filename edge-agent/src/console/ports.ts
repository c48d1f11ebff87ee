import type { Decision } from '@lounge/shared';
import type { Annulment } from '../annul.ts';
import type { Health } from '../health.ts';

/** Inside vs capacity (the occupancy actions'); null capacity: the lounge sets none. */
export interface Occupancy {
  inside: number | null;
  capacity: number | null;
}

/** A party admitted by hand at the desk (SPEC.md 8 "Desk overrides", b). */
export interface HandAdmission {
  staff: string;
  /** People in the party (the grant's `admit`). */
  party: number;
  /** Why, in the staff member's words (required). */
  reason: string;
}

/**
 * What the console asks of the decision and occupancy code (SPEC.md 8 "Desk console"). A
 * narrow port: the console renders and checks sessions; these do the work and the recording.
 */
export interface DeskActions {
  /** A dry run of a code: the decision it would get now, consuming nothing. */
  check(code: string): Promise<Decision>;
  /** Gives a grant of this box back (within 5 min), naming the staff member. */
  annul(eventId: string, staff: string): Annulment;
  /** A code-less grant, reason OVERRIDE, with `staff`, logged, uploaded and published. */
  admitByHand(input: HandAdmission): Decision;
  /**
   * Overrides a code denied LOUNGE_FULL: a grant with reason OVERRIDE that consumes an entry.
   * Any other outcome is answered, and recorded, as a scan would be.
   */
  admitOverCapacity(input: { code: string; staff: string; reason: string }): Promise<Decision>;
  /** Corrects the inside count by `delta` (an `adjust` lounge event with `staff`). */
  adjust(input: { staff: string; delta: number; reason: string }): Occupancy;
  occupancy(): Occupancy;
}

/** One row of the live log, as the console shows it. */
export interface LogRow {
  eventId: string;
  decidedAt: string;
  gate: string;
  decision: string;
  reason: string;
  admit: number;
  invitationId: string | null;
  staff?: string;
  /** For an annulment: the grant it gave back. */
  annuls?: string;
  /** For a grant: whether it was annulled since. */
  annulled?: boolean;
}

/** Today's counters (the lounge's day). */
export interface DayCounters {
  admitted: number;
  denials: Record<string, number>;
}

/** What the console reads about the box. */
export interface BoxView {
  health(): Health;
  /** The access log since `sinceMs`, newest first. */
  recent(sinceMs: number, limit: number): LogRow[];
  counters(sinceMs: number): DayCounters;
  /** The lounge's IANA time zone ("today" and the times shown). */
  timeZone(): string;
}

/** Something on the box happened that the live log shows. */
export type Activity =
  { kind: 'decision'; decision: Decision } | { kind: 'annul'; annulment: Annulment };
