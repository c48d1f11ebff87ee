import type { AccessLogRecord } from '@lounge/shared';
import { toAccessLogRecord, type AccessLogRecordRow } from './access-log.ts';
import { prep, type Db } from './db.ts';
import { META, MetaStore } from './meta.ts';

/** The last failed IBDP attempt: when, the HTTP status (null: no answer) and why. */
export interface UploadError {
  at: string;
  status: number | null;
  detail: string;
}

/** One IBDP batch: its Idempotency-Key and its records, oldest first. */
export interface Batch {
  batchId: string;
  firstId: number;
  lastId: number;
  records: AccessLogRecord[];
}

interface Row extends AccessLogRecordRow {
  id: number;
  batch_id: string | null;
}

/** Hard ceiling of a batch (SPEC.md 8). */
export const MAX_BATCH = 500;

/** What waits for IBDP: how many records, and `decidedAt` of the oldest (null when none). */
export interface Backlog {
  pending: number;
  oldestPendingAt: string | null;
}

/**
 * Reads the backlog with one SELECT, so `lounge-provision doctor` can run it on a read-only
 * connection while the agent is stopped.
 */
export function readBacklog(db: Db): Backlog {
  const row = prep<[], { n: number; oldest: string | null }>(
    db,
    `SELECT count(*) AS n,
      (SELECT decided_at FROM access_log WHERE uploaded_at IS NULL ORDER BY id LIMIT 1) AS oldest
     FROM access_log WHERE uploaded_at IS NULL`,
  ).get();
  return { pending: row?.n ?? 0, oldestPendingAt: row?.oldest ?? null };
}

/**
 * The upload queue over the access log's `batch_id`/`uploaded_at` columns. Batches are cut in
 * id order and uploaded in order, so each is a contiguous id range at the head of the pending
 * rows: every query walks the partial index of pending rows or a rowid range, never the table
 * (100,000 buffered records drain in seconds, not minutes).
 */
export class UploadQueue {
  private readonly head;
  private readonly assign;
  private readonly mark;
  private readonly meta: MetaStore;

  constructor(private readonly db: Db) {
    this.meta = new MetaStore(db);
    this.head = db.prepare<[number], Row>(
      `SELECT id, event_id, device_id, lounge_id, gate, invitation_id, decision, reason, admit,
        decided_at, offline, code_sha256, latency_ms, scan_id, staff, inside, batch_id
       FROM access_log WHERE uploaded_at IS NULL ORDER BY id LIMIT ?`,
    );
    this.assign = db.prepare<[string, number, number]>(
      `UPDATE access_log SET batch_id = ?
       WHERE id BETWEEN ? AND ? AND uploaded_at IS NULL AND batch_id IS NULL`,
    );
    this.mark = db.prepare<[number, number, number, string]>(
      `UPDATE access_log SET uploaded_at = ? WHERE id BETWEEN ? AND ? AND batch_id = ?`,
    );
  }

  /**
   * The batch to send next: the one already formed (same members, same key, after a retry or a
   * restart), else a new one of up to `limit` rows under `newId()`, persisted before it is
   * returned. Undefined when nothing is pending.
   */
  next(limit: number, newId: () => string): Batch | undefined {
    const size = Math.min(Math.max(1, limit), MAX_BATCH);
    return this.db
      .transaction((): Batch | undefined => {
        const rows = this.head.all(MAX_BATCH);
        const first = rows[0];
        if (!first) return undefined;
        if (first.batch_id !== null) {
          const members = rows.filter((r) => r.batch_id === first.batch_id);
          return this.batch(first.batch_id, members);
        }
        const members = rows.slice(0, size);
        const batchId = newId();
        this.assign.run(batchId, first.id, members.at(-1)!.id);
        return this.batch(batchId, members);
      })
      .immediate();
  }

  /** IBDP stored the batch (2xx or 409): its rows stay until the retention prune. */
  markUploaded(batch: Batch, atMs: number): void {
    this.db
      .transaction(() => {
        this.mark.run(atMs, batch.firstId, batch.lastId, batch.batchId);
        this.meta.set(META.lastUploadAt, new Date(atMs).toISOString());
        this.meta.set(META.lastUploadError, '');
      })
      .immediate();
  }

  /** An attempt failed: kept for `/healthz` (and doctor) until a batch is stored. */
  markFailed(error: UploadError): void {
    this.meta.set(META.lastUploadError, JSON.stringify(error));
  }

  /** When IBDP last stored a batch (ISO), or null. */
  lastUploadAt(): string | null {
    return this.meta.get(META.lastUploadAt) ?? null;
  }

  /** Records IBDP has not stored yet. */
  pending(): number {
    return readBacklog(this.db).pending;
  }

  /** Deletes uploaded rows older than `beforeMs`; never a pending one. Returns the count. */
  prune(beforeMs: number): number {
    return this.db
      .prepare('DELETE FROM access_log WHERE uploaded_at IS NOT NULL AND uploaded_at < ?')
      .run(beforeMs).changes;
  }

  private batch(batchId: string, rows: Row[]): Batch {
    return {
      batchId,
      firstId: rows[0]!.id,
      lastId: rows.at(-1)!.id,
      records: rows.map(toAccessLogRecord),
    };
  }
}
