import type { CloudStore, OutboxKind } from '../port.ts';
import { OUTBOX_RETENTION_MS, PRUNE_EVERY_MS, throttle } from '../common.ts';
import { outboxFromRow } from '../rows.ts';
import * as q from '../sql.ts';
import type { SqliteDb } from './connection.ts';

type Outbox = Pick<
  CloudStore,
  'claimOutbox' | 'renewOutboxLeases' | 'markOutboxDelivered' | 'markOutboxFailed' | 'outboxBacklog'
>;

/** The outbox on SQLite: BEGIN IMMEDIATE makes claim-then-lease atomic across processes. */
export function sqliteOutbox(db: SqliteDb): Outbox {
  const pruneDue = throttle(PRUNE_EVERY_MS);
  return {
    async claimOutbox(worker, now, limit, leaseMs, kinds = []) {
      if (pruneDue(now)) db.run(q.PRUNE_DELIVERED_OUTBOX, now - OUTBOX_RETENTION_MS);
      return db.tx(() => {
        const ids = db.all(q.dueOutbox(kinds.length), now, now, ...kinds, limit).map((r) => r.id);
        return ids.map((id) =>
          outboxFromRow(
            db.get(
              'UPDATE outbox SET locked_by = ?, locked_until = ? WHERE id = ? RETURNING *',
              worker,
              now + leaseMs,
              String(id),
            )!,
          ),
        );
      });
    },
    async renewOutboxLeases(worker, now, leaseMs) {
      return db.run(q.RENEW_OUTBOX_LEASES, now + leaseMs, worker);
    },
    async markOutboxDelivered(id, _worker, now) {
      db.run(q.MARK_OUTBOX_DELIVERED, now, id);
    },
    async markOutboxFailed(id, worker, error, nextAttemptAt) {
      db.run(q.MARK_OUTBOX_FAILED, error, nextAttemptAt, id, worker);
    },
    async outboxBacklog() {
      const backlog: Record<OutboxKind, number> = { crm: 0, ibdp: 0, mqtt: 0, broker: 0 };
      for (const r of db.all(q.OUTBOX_BACKLOG)) backlog[String(r.kind) as OutboxKind] = Number(r.n);
      return backlog;
    },
  };
}
