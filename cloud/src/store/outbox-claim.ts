import type { OutboxEvent } from './port.ts';
import type { Row } from './rows.ts';

/**
 * The parts of an outbox claim both adapters share, as pure functions over rows they read:
 * extending a claim along a sequenced queue, keeping a batch whole, and the delivery order.
 */

/** A row of a queue, as OUTBOX_QUEUE and OUTBOX_BATCH_MEMBERS read it. */
export interface QueuedRow {
  id: string;
  nextAttemptAt: number | null;
  lockedUntil: number | null;
}

/** A QueuedRow from a database row. */
export const queued = (r: Row): QueuedRow => ({
  id: String(r.id),
  nextAttemptAt: r.next_attempt_at == null ? null : Number(r.next_attempt_at),
  lockedUntil: r.locked_until == null ? null : Number(r.locked_until),
});

const free = (r: QueuedRow, now: number): boolean => r.lockedUntil === null || r.lockedUntil <= now;

/**
 * The rows right behind a claimed head of a sequenced queue (in queue order) that are due and
 * free: the run one claim may take. It stops at the first row that is not, so the queue's
 * order holds. `queue` starts with the head, or the head has moved and the run is empty.
 */
export function runBehind(queue: readonly QueuedRow[], headId: string, now: number): string[] {
  if (queue[0]?.id !== headId) return [];
  const run: string[] = [];
  for (const r of queue.slice(1)) {
    if ((r.nextAttemptAt ?? 0) > now || !free(r, now)) break;
    run.push(r.id);
  }
  return run;
}

/** A batch is claimed whole: each undelivered member is either claimed already or free. */
export function batchClaimable(
  members: readonly QueuedRow[],
  claimed: ReadonlySet<string>,
  now: number,
): boolean {
  return members.every((m) => claimed.has(m.id) || free(m, now));
}

const byCreation = (a: OutboxEvent, b: OutboxEvent): number =>
  a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * Claimed rows in delivery order: creation order, except that the rows of a sequenced queue
 * take the slots its rows hold in their own order (a revocation's seq, not the clock of the
 * instance that wrote it).
 */
export function deliveryOrder(rows: readonly OutboxEvent[]): OutboxEvent[] {
  const out = [...rows].sort(byCreation);
  const queues = new Map<string, number[]>();
  out.forEach((r, i) => {
    if (r.orderKey == null || r.orderSeq == null) return;
    const key = `${r.kind}\u0000${r.orderKey}`;
    queues.set(key, [...(queues.get(key) ?? []), i]);
  });
  for (const slots of queues.values()) {
    const sorted = slots
      .map((i) => out[i]!)
      .sort((a, b) => a.orderSeq! - b.orderSeq! || byCreation(a, b));
    slots.forEach((slot, k) => (out[slot] = sorted[k]!));
  }
  return out;
}
