import type { CloudStore, OutboxKind } from '../port.ts';
import { OUTBOX_RETENTION_MS, PRUNE_EVERY_MS, outboxLanesFrom, throttle } from '../common.ts';
import { batchClaimable, deliveryOrder, queued, runBehind } from '../outbox-claim.ts';
import { outboxFromRow } from '../rows.ts';
import * as q from '../sql.ts';
import type { PgDb } from './connection.ts';

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

/** The outbox on PostgreSQL: instances share the work with FOR UPDATE SKIP LOCKED. */
export function postgresOutbox(db: PgDb): Outbox {
  const pruneDue = throttle(PRUNE_EVERY_MS);
  return {
    async claimOutbox(worker, now, limit, leaseMs, kinds = []) {
      if (pruneDue(now)) await db.run(q.PRUNE_DELIVERED_OUTBOX, now - OUTBOX_RETENTION_MS);
      const select = `${q.dueOutbox(kinds.length)} FOR UPDATE OF o SKIP LOCKED`;
      return db.tx(async (c) => {
        const due = await c.all(select, now, now, ...kinds, limit);
        const ids = due.map((r) => String(r.id));
        if (ids.length === 0) return [];
        const claimed = new Set(ids);
        // A sequenced queue: the run behind its head comes along. Nobody else can claim those
        // rows (they are not heads while we hold the head's row lock), so no lock is needed.
        for (const d of due) {
          if (d.order_key === null || d.order_seq === null) continue;
          const room = limit - claimed.size;
          if (room <= 0) break;
          const queue = await c.all(q.OUTBOX_QUEUE, String(d.kind), String(d.order_key), room + 1);
          for (const id of runBehind(queue.map(queued), String(d.id), now)) claimed.add(id);
        }
        // A batch goes whole or not at all: lock its other members, or leave it to whoever
        // holds them.
        const batches = new Set(due.filter((d) => d.batch_id !== null).map((d) => d.batch_id));
        for (const batch of batches) {
          const members = (await c.all(q.OUTBOX_BATCH_MEMBERS, String(batch))).map(queued);
          const others = members.filter((m) => !claimed.has(m.id)).map((m) => m.id);
          const locked =
            others.length === 0
              ? []
              : await c.all(
                  'SELECT id FROM outbox WHERE id = ANY(?) FOR UPDATE SKIP LOCKED',
                  others,
                );
          if (batchClaimable(members, claimed, now) && locked.length === others.length) {
            for (const id of others) claimed.add(id);
          } else {
            for (const m of members) claimed.delete(m.id);
          }
        }
        if (claimed.size === 0) return [];
        const rows = await c.all(
          'UPDATE outbox SET locked_by = ?, locked_until = ? WHERE id = ANY(?) RETURNING *',
          worker,
          now + leaseMs,
          [...claimed],
        );
        return deliveryOrder(rows.map(outboxFromRow));
      });
    },
    async renewOutboxLeases(worker, now, leaseMs) {
      return await db.run(q.RENEW_OUTBOX_LEASES, now + leaseMs, worker);
    },
    async assignOutboxBatch(worker, batchId, ids) {
      await db.tx(async (c) => {
        for (const id of ids) await c.run(q.ASSIGN_OUTBOX_BATCH, batchId, id, worker);
      });
    },
    async markOutboxDelivered(id, _worker, now) {
      await db.run(q.MARK_OUTBOX_DELIVERED, now, id);
    },
    async markOutboxFailed(id, worker, error, nextAttemptAt) {
      await db.run(q.MARK_OUTBOX_FAILED, error, nextAttemptAt, id, worker);
    },
    async outboxBacklog() {
      const backlog: Record<OutboxKind, number> = { crm: 0, ibdp: 0, mqtt: 0, broker: 0 };
      for (const r of await db.all(q.OUTBOX_BACKLOG))
        backlog[String(r.kind) as OutboxKind] = Number(r.n);
      return backlog;
    },
    async outboxLanes() {
      return outboxLanesFrom(
        await db.all(q.OUTBOX_LANES),
        async (kind) => await db.get(q.OUTBOX_LANE_ERROR, kind),
      );
    },
  };
}
