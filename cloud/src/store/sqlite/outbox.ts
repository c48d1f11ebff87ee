import type { CloudStore, OutboxKind } from '../port.ts';
import { OUTBOX_RETENTION_MS, PRUNE_EVERY_MS, outboxLanesFrom, throttle } from '../common.ts';
import { batchClaimable, deliveryOrder, queued, runBehind } from '../outbox-claim.ts';
import { outboxFromRow } from '../rows.ts';
import * as q from '../sql.ts';
import type { SqliteDb } from './connection.ts';

type Outbox = Pick<
  CloudStore,
  | 'claimOutbox'
  | 'renewOutboxLeases'
  | 'assignOutboxBatch'
  | 'markOutboxDelivered'
  | 'markOutboxFailed'
  | 'outboxBacklog'
  | 'outboxLanes'
>;

/** The outbox on SQLite: BEGIN IMMEDIATE makes claim-then-lease atomic across processes. */
export function sqliteOutbox(db: SqliteDb): Outbox {
  const pruneDue = throttle(PRUNE_EVERY_MS);
  return {
    async claimOutbox(worker, now, limit, leaseMs, kinds = []) {
      if (pruneDue(now)) db.run(q.PRUNE_DELIVERED_OUTBOX, now - OUTBOX_RETENTION_MS);
      return db.tx(() => {
        const due = db.all(q.dueOutbox(kinds.length), now, now, ...kinds, limit);
        const claimed = new Set(due.map((r) => String(r.id)));
        // A sequenced queue: the run behind its head comes along, in queue order.
        for (const d of due) {
          if (d.order_key === null || d.order_seq === null) continue;
          const room = limit - claimed.size;
          if (room <= 0) break;
          const queue = db.all(q.OUTBOX_QUEUE, String(d.kind), String(d.order_key), room + 1);
          for (const id of runBehind(queue.map(queued), String(d.id), now)) claimed.add(id);
        }
        // A batch goes whole or not at all.
        const batches = new Set(due.filter((d) => d.batch_id !== null).map((d) => d.batch_id));
        for (const batch of batches) {
          const members = db.all(q.OUTBOX_BATCH_MEMBERS, String(batch)).map(queued);
          const whole = batchClaimable(members, claimed, now);
          for (const m of members) {
            if (whole) claimed.add(m.id);
            else claimed.delete(m.id);
          }
        }
        const rows = [...claimed].map((id) =>
          outboxFromRow(
            db.get(
              'UPDATE outbox SET locked_by = ?, locked_until = ? WHERE id = ? RETURNING *',
              worker,
              now + leaseMs,
              id,
            )!,
          ),
        );
        return deliveryOrder(rows);
      });
    },
    async renewOutboxLeases(worker, now, leaseMs) {
      return db.run(q.RENEW_OUTBOX_LEASES, now + leaseMs, worker);
    },
    async assignOutboxBatch(worker, batchId, ids) {
      db.tx(() => {
        for (const id of ids) db.run(q.ASSIGN_OUTBOX_BATCH, batchId, id, worker);
      });
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
    async outboxLanes() {
      return outboxLanesFrom(db.all(q.OUTBOX_LANES), async (kind) =>
        db.get(q.OUTBOX_LANE_ERROR, kind),
      );
    },
  };
}
