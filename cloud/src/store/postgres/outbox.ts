import type { CloudStore, OutboxKind } from '../port.ts';
import { OUTBOX_RETENTION_MS, PRUNE_EVERY_MS, throttle } from '../common.ts';
import { outboxFromRow } from '../rows.ts';
import * as q from '../sql.ts';
import type { PgDb } from './connection.ts';

type Outbox = Pick<
  CloudStore,
  'claimOutbox' | 'renewOutboxLeases' | 'markOutboxDelivered' | 'markOutboxFailed' | 'outboxBacklog'
>;

/** The outbox on PostgreSQL: instances share the work with FOR UPDATE SKIP LOCKED. */
export function postgresOutbox(db: PgDb): Outbox {
  const pruneDue = throttle(PRUNE_EVERY_MS);
  return {
    async claimOutbox(worker, now, limit, leaseMs, kinds = []) {
      if (pruneDue(now)) await db.run(q.PRUNE_DELIVERED_OUTBOX, now - OUTBOX_RETENTION_MS);
      const select = `${q.dueOutbox(kinds.length)} FOR UPDATE OF o SKIP LOCKED`;
      return db.tx(async (c) => {
        const ids = (await c.all(select, now, now, ...kinds, limit)).map((r) => String(r.id));
        if (ids.length === 0) return [];
        const rows = await c.all(
          'UPDATE outbox SET locked_by = ?, locked_until = ? WHERE id = ANY(?) RETURNING *',
          worker,
          now + leaseMs,
          ids,
        );
        const order = new Map(ids.map((id, i) => [id, i]));
        return rows
          .map(outboxFromRow)
          .sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
      });
    },
    async renewOutboxLeases(worker, now, leaseMs) {
      return await db.run(q.RENEW_OUTBOX_LEASES, now + leaseMs, worker);
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
  };
}
