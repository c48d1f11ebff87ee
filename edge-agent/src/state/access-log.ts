import type { AccessLogRecord } from '@lounge/shared';
import { prep, type Db } from './db.ts';

/** One access-log row: the IBDP record (SPEC.md 8) plus what the edge keeps beside it. */
export interface AccessLogEntry extends AccessLogRecord {
  clockSuspect?: boolean;
  /** Set on an annulment record: the grant it gave back. */
  annuls?: string;
  /** The reason text staff gave for an override or an adjust (kept here, not uploaded). */
  note?: string;
}

/** The columns of an `access_log` row that make its IBDP record. */
export interface AccessLogRecordRow {
  event_id: string;
  device_id: string;
  lounge_id: string;
  gate: string;
  invitation_id: string | null;
  decision: AccessLogRecord['decision'];
  reason: string;
  admit: number;
  decided_at: string;
  offline: number;
  code_sha256: string;
  latency_ms: number;
  scan_id: string | null;
  staff: string | null;
  inside: number | null;
}

/** The IBDP record of a row, keys in SPEC.md 8 order, nothing the edge keeps beside it. */
export const toAccessLogRecord = (r: AccessLogRecordRow): AccessLogRecord => ({
  eventId: r.event_id,
  deviceId: r.device_id,
  loungeId: r.lounge_id,
  gate: r.gate,
  invitationId: r.invitation_id,
  decision: r.decision,
  reason: r.reason,
  admit: r.admit,
  decidedAt: r.decided_at,
  offline: r.offline === 1,
  codeSha256: r.code_sha256,
  latencyMs: r.latency_ms,
  ...(r.scan_id !== null && { scanId: r.scan_id }),
  ...(r.staff !== null && { staff: r.staff }),
  ...(r.inside !== null && { inside: r.inside }),
});

interface Row extends AccessLogRecordRow {
  id: number;
  clock_suspect: number;
  annuls: string | null;
  note: string | null;
}

const toEntry = (r: Row): AccessLogEntry & { id: number } => ({
  id: r.id,
  ...toAccessLogRecord(r),
  ...(r.clock_suspect === 1 && { clockSuspect: true }),
  ...(r.annuls !== null && { annuls: r.annuls }),
  ...(r.note !== null && { note: r.note }),
});

/** The access log: one row per decision, written before the decision is answered. */
export class AccessLogStore {
  constructor(private readonly db: Db) {}

  insert(e: AccessLogEntry): void {
    prep(
      this.db,
      `INSERT INTO access_log (event_id, device_id, lounge_id, gate, invitation_id, decision,
        reason, admit, decided_at, offline, code_sha256, latency_ms, clock_suspect, annuls, scan_id,
        staff, note, inside)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      e.eventId,
      e.deviceId,
      e.loungeId,
      e.gate,
      e.invitationId,
      e.decision,
      e.reason,
      e.admit,
      e.decidedAt,
      e.offline ? 1 : 0,
      e.codeSha256,
      e.latencyMs,
      e.clockSuspect ? 1 : 0,
      e.annuls ?? null,
      e.scanId ?? null,
      e.staff ?? null,
      e.note ?? null,
      e.inside ?? null,
    );
  }

  byEventId(eventId: string): (AccessLogEntry & { id: number }) | undefined {
    const row = prep<[string], Row>(this.db, 'SELECT * FROM access_log WHERE event_id = ?').get(
      eventId,
    );
    return row && toEntry(row);
  }

  /** The newest rows first (tests, diagnostics). */
  recent(limit: number): (AccessLogEntry & { id: number })[] {
    return prep<[number], Row>(this.db, 'SELECT * FROM access_log ORDER BY id DESC LIMIT ?')
      .all(limit)
      .map(toEntry);
  }
}
