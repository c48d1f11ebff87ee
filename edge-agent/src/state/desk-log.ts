import { prep, type Db } from './db.ts';

/** One access-log record as the desk console lists it. */
export interface DeskLogRow {
  eventId: string;
  decidedAt: string;
  gate: string;
  decision: string;
  reason: string;
  admit: number;
  invitationId: string | null;
  staff?: string;
  annuls?: string;
  annulled?: boolean;
}

interface Row {
  event_id: string;
  decided_at: string;
  gate: string;
  decision: string;
  reason: string;
  admit: number;
  invitation_id: string | null;
  staff: string | null;
  annuls: string | null;
  annulled: number;
}

/**
 * Read-only queries of the access log for the desk console: the day's records and counters.
 * `sinceIso` is an ISO instant in UTC; `decided_at` is stored the same way, so text order is
 * time order (and the `access_log_decided_at` index serves it).
 */
export class DeskLog {
  constructor(private readonly db: Db) {}

  /** Records decided at or after `sinceIso`, newest first. */
  since(sinceIso: string, limit: number): DeskLogRow[] {
    return prep<[string, number], Row>(
      this.db,
      `SELECT a.event_id, a.decided_at, a.gate, a.decision, a.reason, a.admit, a.invitation_id,
          a.staff, a.annuls, (g.annulled_at IS NOT NULL) AS annulled
         FROM access_log a LEFT JOIN grants g ON g.event_id = a.event_id
        WHERE a.decided_at >= ? ORDER BY a.id DESC LIMIT ?`,
    )
      .all(sinceIso, limit)
      .map((r) => ({
        eventId: r.event_id,
        decidedAt: r.decided_at,
        gate: r.gate,
        decision: r.decision,
        reason: r.reason,
        admit: r.admit,
        invitationId: r.invitation_id,
        ...(r.staff !== null && { staff: r.staff }),
        ...(r.annuls !== null && { annuls: r.annuls }),
        ...(r.decision === 'grant' && { annulled: r.annulled === 1 }),
      }));
  }

  /** People admitted (grants not annulled) and denials by reason since `sinceIso`. */
  counters(sinceIso: string): { admitted: number; denials: Record<string, number> } {
    const admitted =
      prep<[string], { n: number | null }>(
        this.db,
        `SELECT sum(a.admit) AS n FROM access_log a LEFT JOIN grants g ON g.event_id = a.event_id
          WHERE a.decided_at >= ? AND a.decision = 'grant' AND g.annulled_at IS NULL`,
      ).get(sinceIso)?.n ?? 0;
    const rows = prep<[string], { reason: string; n: number }>(
      this.db,
      `SELECT reason, count(*) AS n FROM access_log
        WHERE decided_at >= ? AND decision = 'deny' AND annuls IS NULL
        GROUP BY reason ORDER BY n DESC, reason`,
    ).all(sinceIso);
    return { admitted, denials: Object.fromEntries(rows.map((r) => [r.reason, r.n])) };
  }
}
