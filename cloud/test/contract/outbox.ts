import { describe, expect, it } from 'vitest';
import type { ContractContext } from './store-contract.ts';
import { T0, invitation, outboxEvent } from './fixtures.ts';

/** The outbox: leases, retries, per-invitation order, kinds. */
export function outboxContract(get: () => ContractContext): void {
  describe('outbox', () => {
    async function seed(events: ReturnType<typeof outboxEvent>[]): Promise<void> {
      // Outbox rows only ever arrive with a change: ride on an invitation insert.
      await get().store.insertInvitation(
        invitation({ customerId: `c${Math.random()}` }),
        events,
        T0,
      );
    }

    it('leases due events in creation order and hides them while leased', async () => {
      const { store } = get();
      const a = outboxEvent('crm', 'inv_a', T0 + 1);
      const b = outboxEvent('crm', 'inv_b', T0 + 2);
      const c = outboxEvent('ibdp', 'inv_c', T0 + 3);
      await seed([c, b, a]);
      const claimed = await store.claimOutbox('w1', T0 + 10, 10, 30_000);
      expect(claimed.map((e) => e.id)).toEqual([a.id, b.id, c.id]);
      expect(claimed[0]).toMatchObject({
        kind: 'crm',
        payload: a.payload,
        attempts: 0,
        lastError: null,
      });
      expect(await store.claimOutbox('w2', T0 + 20, 10, 30_000)).toEqual([]);
      // A crashed worker's lease runs out: another picks the work up.
      const retaken = await store.claimOutbox('w2', T0 + 10 + 30_000, 10, 30_000);
      expect(retaken.map((e) => e.id)).toEqual([a.id, b.id, c.id]);
    });

    it('renews the leases a worker holds, and only those', async () => {
      const { store } = get();
      const a = outboxEvent('crm', 'inv_a', T0 + 1);
      const b = outboxEvent('ibdp', 'inv_b', T0 + 2);
      await seed([a]);
      await store.claimOutbox('w1', T0 + 10, 10, 10_000);
      await seed([b]);
      await store.claimOutbox('w2', T0 + 10, 10, 10_000);
      // w1 renews just before its lease runs out; w2 does not.
      expect(await store.renewOutboxLeases('w1', T0 + 9_000, 10_000)).toBe(1);
      const retaken = await store.claimOutbox('w3', T0 + 15_000, 10, 10_000);
      expect(retaken.map((e) => e.id)).toEqual([b.id]);
      const late = await store.claimOutbox('w3', T0 + 19_010, 10, 10_000);
      expect(late.map((e) => e.id)).toEqual([a.id]);
      // Delivered rows are not renewed.
      await store.markOutboxDelivered(a.id, 'w3', T0 + 19_020);
      expect(await store.renewOutboxLeases('w3', T0 + 19_030, 10_000)).toBe(1);
    });

    it('filters by kind and honours the limit', async () => {
      const { store } = get();
      await seed([
        outboxEvent('crm', 'inv_a'),
        outboxEvent('mqtt', 'inv_b'),
        outboxEvent('mqtt', 'inv_c'),
      ]);
      expect((await store.claimOutbox('w', T0, 10, 1000, ['mqtt'])).map((e) => e.kind)).toEqual([
        'mqtt',
        'mqtt',
      ]);
      expect(await store.claimOutbox('w', T0, 1, 1000, ['crm', 'ibdp'])).toHaveLength(1);
      expect(await store.claimOutbox('w', T0, 10, 1000)).toEqual([]);
    });

    it('retries a failed event later and forgets a delivered one', async () => {
      const { store } = get();
      const a = outboxEvent('crm', 'inv_a');
      await seed([a]);
      await store.claimOutbox('w1', T0, 10, 60_000);
      await store.markOutboxFailed(a.id, 'intruder', 'not mine', T0);
      await store.markOutboxFailed(a.id, 'w1', 'HTTP 503', T0 + 5000);
      expect(await store.claimOutbox('w1', T0 + 4999, 10, 60_000)).toEqual([]);
      const [retry] = await store.claimOutbox('w2', T0 + 5000, 10, 60_000);
      expect(retry).toMatchObject({
        id: a.id,
        attempts: 1,
        lastError: 'HTTP 503',
        nextAttemptAt: T0 + 5000,
      });
      expect(await store.outboxBacklog()).toEqual({ crm: 1, ibdp: 0, mqtt: 0, broker: 0 });
      await store.markOutboxDelivered(a.id, 'w2', T0 + 5001);
      expect(await store.outboxBacklog()).toEqual({ crm: 0, ibdp: 0, mqtt: 0, broker: 0 });
      expect(await store.claimOutbox('w3', T0 + 999_999, 10, 60_000)).toEqual([]);
    });

    it('shows each lane: backlog, oldest undelivered event and the error holding it back', async () => {
      const { store } = get();
      const idle = { pending: 0, oldestCreatedAt: null, lastError: null };
      expect(await store.outboxLanes()).toEqual({ crm: idle, ibdp: idle, mqtt: idle });
      const a = outboxEvent('crm', 'inv_a', T0 + 1);
      const b = outboxEvent('crm', 'inv_b', T0 + 2);
      const c = outboxEvent('ibdp', 'inv_c', T0 + 3);
      await seed([a, b, c]);
      await store.claimOutbox('w1', T0 + 10, 10, 60_000, ['crm']);
      await store.markOutboxFailed(b.id, 'w1', 'HTTP 404', T0 + 5000);
      await store.markOutboxDelivered(a.id, 'w1', T0 + 11);
      expect(await store.outboxLanes()).toEqual({
        crm: {
          pending: 1,
          oldestCreatedAt: T0 + 2,
          lastError: { error: 'HTTP 404', attempts: 1, nextAttemptAt: T0 + 5000 },
        },
        ibdp: { pending: 1, oldestCreatedAt: T0 + 3, lastError: null },
        mqtt: idle,
      });
    });

    it('sends one invitation’s events of a kind one at a time, in order', async () => {
      const { store } = get();
      const issued = outboxEvent('crm', 'inv_x', T0 + 1);
      const revoked = outboxEvent('crm', 'inv_x', T0 + 2);
      const other = outboxEvent('crm', 'inv_y', T0 + 3);
      const ibdp = outboxEvent('ibdp', 'inv_x', T0 + 4);
      const unordered = outboxEvent('mqtt', 'inv_x', T0 + 5, { orderKey: null });
      const unordered2 = outboxEvent('mqtt', 'inv_x', T0 + 6, { orderKey: null });
      await seed([issued, revoked, other, ibdp, unordered, unordered2]);
      const first = await store.claimOutbox('w', T0 + 10, 10, 1000);
      expect(first.map((e) => e.id)).toEqual([
        issued.id,
        other.id,
        ibdp.id,
        unordered.id,
        unordered2.id,
      ]);
      for (const e of first.slice(1)) await store.markOutboxDelivered(e.id, 'w', T0 + 11);
      // A failure keeps the queue blocked: `revoked` waits behind `issued`.
      await store.markOutboxFailed(issued.id, 'w', 'down', T0 + 3000);
      expect(await store.claimOutbox('w', T0 + 2000, 10, 1000)).toEqual([]);
      const [again] = await store.claimOutbox('w', T0 + 3000, 10, 1000);
      expect(again?.id).toBe(issued.id);
      await store.markOutboxDelivered(issued.id, 'w', T0 + 3001);
      expect((await store.claimOutbox('w', T0 + 3002, 10, 1000)).map((e) => e.id)).toEqual([
        revoked.id,
      ]);
    });

    it('claims a sequenced queue as a run in its own order, not the writers’ clocks', async () => {
      const { store } = get();
      // seq 2 was written by an instance whose clock read earlier than seq 1's writer.
      const q = (seq: number, at: number) =>
        outboxEvent('mqtt', 'inv_q', at, { orderKey: 'revocations', orderSeq: seq });
      const s1 = q(1, T0 + 5);
      const s2 = q(2, T0 + 1);
      const s3 = q(3, T0 + 9);
      const other = outboxEvent('mqtt', 'inv_o', T0 + 3, { orderKey: null });
      await seed([s2, s3, other]);
      await seed([s1]);
      const first = await store.claimOutbox('w1', T0 + 10, 10, 1000);
      expect(first.map((e) => e.id)).toEqual([s1.id, other.id, s2.id, s3.id]);
      // Another instance gets none of it while the run is leased.
      expect(await store.claimOutbox('w2', T0 + 11, 10, 1000)).toEqual([]);
      // A failure in the middle: the head goes, the rest waits behind s2 in order.
      await store.markOutboxDelivered(s1.id, 'w1', T0 + 12);
      await store.markOutboxFailed(s2.id, 'w1', 'down', T0 + 500);
      await store.markOutboxFailed(s3.id, 'w1', 'down', T0 + 20);
      expect(await store.claimOutbox('w2', T0 + 100, 10, 1000)).toEqual([]);
      const again = await store.claimOutbox('w2', T0 + 500, 10, 1000);
      expect(again.map((e) => e.id)).toEqual([s2.id, s3.id]);
      // The limit cuts a run; the rest follows in the next claim.
      await store.markOutboxFailed(s2.id, 'w2', 'down', T0 + 600);
      await store.markOutboxFailed(s3.id, 'w2', 'down', T0 + 600);
      expect((await store.claimOutbox('w3', T0 + 600, 1, 1000)).map((e) => e.id)).toEqual([s2.id]);
    });

    it('keeps a batch whole: its members come together, with nothing new added', async () => {
      const { store } = get();
      const a = outboxEvent('ibdp', 'inv_a', T0 + 1, { orderKey: null });
      const b = outboxEvent('ibdp', 'inv_b', T0 + 2, { orderKey: null });
      await seed([a, b]);
      const first = await store.claimOutbox('w1', T0 + 10, 10, 1000, ['ibdp']);
      expect(first.map((e) => e.batchId)).toEqual([null, null]);
      await store.assignOutboxBatch('w1', 'bat_1', [a.id, b.id]);
      await store.assignOutboxBatch('intruder', 'bat_x', [a.id]); // not its rows
      await store.markOutboxFailed(a.id, 'w1', 'timeout', T0 + 100);
      // The worker dies before marking b: its lease runs out later than a's retry time.
      const c = outboxEvent('ibdp', 'inv_c', T0 + 50, { orderKey: null });
      await seed([c]);
      // a is due but b is still leased: the batch waits; c goes on its own.
      const mid = await store.claimOutbox('w2', T0 + 100, 10, 1000, ['ibdp']);
      expect(mid.map((e) => e.id)).toEqual([c.id]);
      // Once b's lease has run out, another worker takes the whole batch, even with limit 1.
      const retry = await store.claimOutbox('w3', T0 + 1011, 1, 1000, ['ibdp']);
      expect(retry.map((e) => [e.id, e.batchId])).toEqual([
        [a.id, 'bat_1'],
        [b.id, 'bat_1'],
      ]);
      // A batch id, once set, never changes.
      await store.assignOutboxBatch('w3', 'bat_2', [a.id, b.id]);
      const [later] = await store.claimOutbox('w4', T0 + 5000, 10, 1000, ['ibdp']);
      expect(later?.batchId).toBe('bat_1');
    });
  });
}
