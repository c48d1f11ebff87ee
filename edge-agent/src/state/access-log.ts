import type { AccessLogRecord } from '@lounge/shared';
import { prep, type Db } from './db.ts';
import { META, MetaStore } from './meta.ts';

/** One access-log row: the IBDP record (SPEC.md 8) plus what the edge keeps beside it. */
export interface AccessLogEntry extends AccessLogRecord {
  clockSuspect?: boolean;
  /** Set on an annulment record: the grant it gave back. */
  annuls?: string;
  /** The reason text staff typed for a desk action (kept on the box, not uploaded). */
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
});

interface Row extends AccessLogRecordRow {
  id: number;
  clock_suspect: number;
  annuls: string | null;
  note: string | null;
  uploaded_at: number | null;
  batch_id: string | null;
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
  private readonly meta: MetaStore;

  constructor(private readonly db: Db) {
    this.meta = new MetaStore(db);
  }

  insert(e: AccessLogEntry): void {
    prep(
      this.db,
      `INSERT INTO access_log (event_id, device_id, lounge_id, gate, invitation_id, decision,
        reason, admit, decided_at, offline, code_sha256, latency_ms, clock_suspect, annuls, scan_id,
        staff, note)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
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

  pendingCount(): number {
    return (
      prep<[], { n: number }>(
        this.db,
        'SELECT count(*) AS n FROM access_log WHERE uploaded_at IS NULL',
      ).get()?.n ?? 0
    );
  }

  lastUploadAt(): string | null {
    return this.meta.get(META.lastUploadAt) ?? null;
  }

  /**
   * The next batch for IBDP, oldest first. A batch already started (batch_id set, not
   * uploaded) is returned again unchanged, so its membership and Idempotency-Key stay fixed
   * across retries and restarts; otherwise up to `limit` pending rows get `newBatchId`.
   */
  claimBatch(newBatchId: string, limit: number): { batchId: string; records: AccessLogEntry[] } {
    return this.db
      .transaction(() => {
        const open = prep<[], { batch_id: string }>(
          this.db,
          `SELECT batch_id FROM access_log WHERE uploaded_at IS NULL AND batch_id IS NOT NULL
           ORDER BY id LIMIT 1`,
        ).get();
        const batchId = open?.batch_id ?? newBatchId;
        if (!open) {
          prep(
            this.db,
            `UPDATE access_log SET batch_id = ? WHERE id IN (SELECT id FROM access_log
             WHERE uploaded_at IS NULL AND batch_id IS NULL ORDER BY id LIMIT ?)`,
          ).run(batchId, limit);
        }
        const rows = prep<[string], Row>(
          this.db,
          'SELECT * FROM access_log WHERE batch_id = ? ORDER BY id',
        ).all(batchId);
        return { batchId, records: rows.map(toEntry) };
      })
      .immediate();
  }

  /** Marks a batch as stored by IBDP (2xx or 409). Rows are kept; pruning is a later choice. */
  markBatchUploaded(batchId: string, atMs: number): void {
    this.db.transaction(() => {
      prep(this.db, 'UPDATE access_log SET uploaded_at = ? WHERE batch_id = ?').run(atMs, batchId);
      this.meta.set(META.lastUploadAt, new Date(atMs).toISOString());
    })();
  }
}
