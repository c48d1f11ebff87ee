import { describe, expect, it } from 'vitest';
import type { CloudStore, OutboxEvent } from '../../src/store/port.ts';
import type { ContractContext } from './store-contract.ts';
import { T0, annulEvent, device, invitation, loungeEvent, outboxEvent } from './fixtures.ts';

/** Runs `n` calls alternating between two instances, all at once. */
function race<T>(
  a: CloudStore,
  b: CloudStore,
  n: number,
  call: (s: CloudStore, i: number) => Promise<T>,
) {
  return Promise.all(Array.from({ length: n }, (_, i) => call(i % 2 ? b : a, i)));
}

/** The guarantees that must hold with two instances (two connections or pools) racing. */
export function concurrencyContract(get: () => ContractContext): void {
  describe('two instances racing', () => {
    it('migrate from two fresh instances at once', async () => {
      const fresh = await get().fresh();
      const other = await fresh.openTwin();
      await Promise.all([fresh.store.migrate(), other.migrate(), fresh.store.migrate()]);
      expect(await other.lastRevocationSeq()).toBe(0);
      await fresh.store.insertApiKey({
        id: 'k',
        role: 'admin',
        name: 'n',
        hash: 'h',
        createdAt: T0,
        revokedAt: null,
      });
      expect(await other.countApiKeys('admin')).toBe(1);
    });

    it('revoking the last two admin keys at once leaves one live', async () => {
      const { store, twin } = get();
      const other = await twin();
      const base = { role: 'admin' as const, name: 'n', hash: 'h', createdAt: T0, revokedAt: null };
      await store.insertApiKey({ ...base, id: 'key_race_1' });
      await store.insertApiKey({ ...base, id: 'key_race_2' });
      const outcomes = await race(store, other, 2, (s, i) =>
        s.revokeApiKey(`key_race_${i + 1}`, T0 + 1),
      );
      expect(outcomes.map((o) => o.outcome).sort()).toEqual(['last-admin', 'revoked']);
      expect(await store.countApiKeys('admin')).toBe(1);
    });

    it('revocation seqs stay gap-free and unique, one per invitation', async () => {
      const { store, twin } = get();
      const other = await twin();
      const invs = Array.from({ length: 30 }, (_, i) => invitation({ flightNumber: `IB${i}` }));
      for (const inv of invs) await store.insertInvitation(inv, [], T0);
      const outbox = (r: { invitationId: string }) => [outboxEvent('mqtt', r.invitationId)];
      // Each invitation is revoked twice, once by each instance, in opposite orders.
      const results = await Promise.all([
        ...invs.map((inv) => store.revokeInvitation(inv.id, 'a', T0, outbox)),
        ...[...invs].reverse().map((inv) => other.revokeInvitation(inv.id, 'b', T0, outbox)),
      ]);
      const created = results.filter((r) => r?.created).map((r) => r!.revocation.seq);
      expect(created.sort((x, y) => x - y)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
      const feed = await other.listRevocations(0, 100);
      expect(feed.map((r) => r.seq)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
      expect(new Set(feed.map((r) => r.invitationId)).size).toBe(30);
      expect((await store.outboxBacklog()).mqtt).toBe(30);
      expect(await other.lastRevocationSeq()).toBe(30);
    });

    it('ALREADY_INVITED holds: one invitation per trip wins', async () => {
      const { store, twin } = get();
      const other = await twin();
      const results = await race(store, other, 10, (s) => {
        const inv = invitation();
        return s
          .insertInvitation(inv, [outboxEvent('crm', inv.id)], T0)
          .then((r) => ({ r, id: inv.id }));
      });
      const winners = results.filter(({ r }) => r.inserted);
      expect(winners).toHaveLength(1);
      for (const { r } of results) if (!r.inserted) expect(r.existing.id).toBe(winners[0]!.id);
      expect((await other.outboxBacklog()).crm).toBe(1);
    });

    it('one idempotency claim wins, the rest see it in progress', async () => {
      const { store, twin } = get();
      const other = await twin();
      const claims = await race(store, other, 10, (s) =>
        s.claimIdempotencyKey('key_1:POST', 'abc', 'h', T0),
      );
      expect(claims.filter((c) => c.state === 'claimed')).toHaveLength(1);
      expect(claims.filter((c) => c.state === 'in-progress')).toHaveLength(9);
    });

    it('an enrolment token enrols exactly one device', async () => {
      const { store, twin } = get();
      const other = await twin();
      await store.insertEnrollmentToken({
        id: 'enr_1',
        hash: 'h',
        loungeId: 'MAD-T4S-VELAZQUEZ',
        expiresAt: T0 + 3600_000,
        usedAt: null,
        usedByDevice: null,
        createdAt: T0,
      });
      const results = await race(store, other, 8, (s) => s.enrollDevice('enr_1', device(), T0));
      expect(results.filter((r) => r === 'ok')).toHaveLength(1);
      expect(await store.listDevices()).toHaveLength(1);
    });

    it('the same lounge events recorded by both instances count once', async () => {
      const { store, twin } = get();
      const other = await twin();
      const invs = Array.from({ length: 5 }, (_, i) =>
        invitation({ flightNumber: `IB${i}`, entries: 10 }),
      );
      for (const inv of invs) await store.insertInvitation(inv, [], T0);
      const batch = Array.from({ length: 20 }, (_, i) =>
        loungeEvent({
          eventId: `evt_${String(i).padStart(3, '0')}`,
          invitationId: invs[i % 5]!.id,
        }),
      );
      const noOutbox = () => [];
      const [a, b] = await Promise.all([
        store.recordLoungeEvents(batch, noOutbox),
        other.recordLoungeEvents([...batch].reverse(), noOutbox),
      ]);
      const all = [...a, ...b];
      expect(all.filter((o) => o === 'applied')).toHaveLength(20);
      expect(all.filter((o) => o === 'duplicate')).toHaveLength(20);
      for (const inv of invs) expect(await store.entriesUsed(inv.id)).toBe(4);
    });

    it('two annuls of one grant racing on two instances give it back once', async () => {
      const { store, twin } = get();
      const other = await twin();
      const inv = invitation({ entries: 1 });
      await store.insertInvitation(inv, [], T0);
      const noOutbox = () => [];
      await store.recordLoungeEvents(
        [loungeEvent({ eventId: 'evt_g', invitationId: inv.id })],
        noOutbox,
      );
      const results = await race(store, other, 8, (s, i) =>
        s.recordLoungeEvents([annulEvent({ eventId: `evt_a${i}`, annuls: 'evt_g' })], noOutbox),
      );
      expect(results.flat().filter((o) => o === 'applied')).toHaveLength(1);
      expect(await store.entriesUsed(inv.id)).toBe(0);
    });

    it('never hands one outbox event to two workers', async () => {
      const { store, twin } = get();
      const other = await twin();
      const events = Array.from({ length: 60 }, (_, i) => outboxEvent('ibdp', `inv_${i}`, T0 + i));
      await store.insertInvitation(invitation(), events, T0);
      const drain = async (s: CloudStore, worker: string) => {
        const got: OutboxEvent[] = [];
        for (;;) {
          const batch = await s.claimOutbox(worker, T0 + 100, 4, 60_000);
          if (batch.length === 0) return got;
          got.push(...batch);
          for (const e of batch) await s.markOutboxDelivered(e.id, worker, T0 + 100);
        }
      };
      const [a, b, c] = await Promise.all([
        drain(store, 'a'),
        drain(other, 'b'),
        drain(other, 'c'),
      ]);
      const ids = [...a, ...b, ...c].map((e) => e.id);
      expect(ids).toHaveLength(60);
      expect(new Set(ids).size).toBe(60);
      expect(await store.outboxBacklog()).toEqual({ crm: 0, ibdp: 0, mqtt: 0, broker: 0 });
    });
  });
}
