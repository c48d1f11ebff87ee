import { ProblemError } from '@lounge/shared';
import { describe, expect, it } from 'vitest';
import type { OutboxEventInput } from '../../src/store/port.ts';
import type { ContractContext } from './store-contract.ts';
import { HOUR, T0, invitation, outboxEvent } from './fixtures.ts';

const noOutbox = (): OutboxEventInput[] => [];

/** Invitations (claim-check, ALREADY_INVITED), listing and revocations. */
export function invitationsContract(get: () => ContractContext): void {
  describe('invitations', () => {
    it('stores the whole invitation, QR bytes included, with its outbox rows', async () => {
      const { store } = get();
      const inv = invitation();
      const res = await store.insertInvitation(
        inv,
        [outboxEvent('crm', inv.id), outboxEvent('ibdp', inv.id)],
        T0,
      );
      expect(res).toEqual({ inserted: true });
      const found = await store.findInvitation(inv.id);
      expect(found).toEqual(inv);
      expect(found?.qrPng).toBeInstanceOf(Uint8Array);
      expect(await store.findInvitation('inv_unknown')).toBeNull();
      expect(await store.outboxBacklog()).toEqual({ crm: 1, ibdp: 1, mqtt: 0, broker: 0 });
    });

    it('answers duplicate for an active invitation on the same trip, writing nothing', async () => {
      const { store } = get();
      const first = invitation();
      await store.insertInvitation(first, [], T0);
      const second = invitation();
      const res = await store.insertInvitation(second, [outboxEvent('crm', second.id)], T0);
      expect(res).toEqual({ inserted: false, existing: first });
      expect(await store.findInvitation(second.id)).toBeNull();
      expect((await store.outboxBacklog()).crm).toBe(0);
      // Another lounge, flight or customer is another trip.
      const elsewhere = invitation({ loungeId: 'MAD-T4S-DALI' });
      expect(await store.insertInvitation(elsewhere, [], T0)).toEqual({ inserted: true });
    });

    it('lets a new invitation replace an expired or revoked one', async () => {
      const { store } = get();
      const old = invitation({ validUntil: T0 + 1000 });
      await store.insertInvitation(old, [], T0);
      const fresh = invitation();
      expect(await store.insertInvitation(fresh, [], T0 + 1000)).toEqual({ inserted: true });
      expect((await store.findInvitation(old.id))?.status).toBe('issued');
      await store.revokeInvitation(fresh.id, 'changed flight', T0 + 2000, noOutbox);
      expect(await store.insertInvitation(invitation(), [], T0 + 3000)).toEqual({ inserted: true });
    });

    it('lists a customer’s invitations newest first, page by page', async () => {
      const { store } = get();
      const made = [];
      for (let i = 0; i < 5; i++) {
        const inv = invitation({ flightNumber: `IB${100 + i}`, createdAt: T0 + (i < 2 ? 0 : i) });
        await store.insertInvitation(inv, [], T0);
        made.push(inv.id);
      }
      await store.insertInvitation(invitation({ customerId: 'IB999' }), [], T0);
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page = await store.listInvitations('IB1234567', 2, cursor);
        expect(page.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.items.map((i) => i.id));
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen).toHaveLength(5);
      expect(new Set(seen)).toEqual(new Set(made));
      const all = (await store.listInvitations('IB1234567', 10, null)).items;
      expect(all.map((i) => i.id)).toEqual(seen);
      const times = all.map((i) => i.createdAt);
      expect([...times].sort((a, b) => b - a)).toEqual(times);
      await expect(store.listInvitations('IB1234567', 2, 'garbage')).rejects.toMatchObject({
        code: 'INVALID_REQUEST',
      });
      await expect(store.listInvitations('IB1234567', 2, 'garbage')).rejects.toBeInstanceOf(
        ProblemError,
      );
    });

    it('filters a listing by customer, lounge, status (expired at a given time) and flight dates', async () => {
      const { store } = get();
      const mk = (over: Partial<Parameters<typeof invitation>[0]>) =>
        invitation({ customerId: 'IBF1', ...over });
      const a = mk({ flightNumber: 'IB1', flightDate: '2026-11-20', validUntil: T0 + HOUR });
      const b = mk({ flightNumber: 'IB2', flightDate: '2026-10-02', loungeId: 'BCN-T1-X' });
      const c = mk({ flightNumber: 'IB3', flightDate: '2026-11-24', status: 'used', usedAt: T0 });
      const d = mk({ customerId: 'IBF2', flightNumber: 'IB4', flightDate: '2026-10-02' });
      for (const inv of [a, b, c, d]) await store.insertInvitation(inv, [], T0);
      const ids = async (filter: Parameters<typeof store.listInvitations>[0]) =>
        (await store.listInvitations(filter, 10, null)).items.map((i) => i.id).sort();
      const sorted = (...invs: { id: string }[]) => invs.map((i) => i.id).sort();
      expect(await ids({ customerId: 'IBF1' })).toEqual(sorted(a, b, c));
      expect(await ids({ customerId: 'IBF1', loungeId: 'BCN-T1-X' })).toEqual(sorted(b));
      expect(await ids({ customerId: 'IBF1', status: 'used' })).toEqual(sorted(c));
      expect(await ids({ customerId: 'IBF1', status: 'issued', nowMs: T0 })).toEqual(sorted(a, b));
      // At T0 + 1 h, a's window is over: it lists as expired, no longer as issued.
      const later = T0 + HOUR;
      expect(await ids({ customerId: 'IBF1', status: 'issued', nowMs: later })).toEqual(sorted(b));
      expect(await ids({ customerId: 'IBF1', status: 'expired', nowMs: later })).toEqual(sorted(a));
      expect(await ids({ customerId: 'IBF1', from: '2026-10-01', to: '2026-10-03' })).toEqual(
        sorted(b),
      );
      expect(await ids({ from: '2026-10-02', to: '2026-10-02' })).toEqual(sorted(b, d));
    });

    it('revokes idempotently with the next seq and its outbox rows', async () => {
      const { store } = get();
      const a = invitation();
      const b = invitation({ flightNumber: 'IB999' });
      await store.insertInvitation(a, [], T0);
      await store.insertInvitation(b, [], T0);
      const outbox = (r: { seq: number; invitationId: string }) => [
        outboxEvent('mqtt', r.invitationId, T0, { payload: JSON.stringify({ seq: r.seq }) }),
      ];
      const first = await store.revokeInvitation(a.id, 'fraud', T0 + 10, outbox);
      expect(first).toEqual({
        created: true,
        revocation: {
          seq: 1,
          invitationId: a.id,
          revokedAt: T0 + 10,
          reason: 'fraud',
          exp: Math.ceil(a.validUntil / 1000),
        },
      });
      const again = await store.revokeInvitation(a.id, 'other', T0 + 20, outbox);
      expect(again).toEqual({ created: false, revocation: first!.revocation });
      expect((await store.revokeInvitation(b.id, 'x', T0 + 30, outbox))?.revocation.seq).toBe(2);
      expect(await store.revokeInvitation('inv_unknown', 'x', T0, outbox)).toBeNull();
      expect(await store.findInvitation(a.id)).toMatchObject({
        status: 'revoked',
        revokedAt: T0 + 10,
        revokeReason: 'fraud',
      });
      expect((await store.outboxBacklog()).mqtt).toBe(2);
      expect(await store.lastRevocationSeq()).toBe(2);
      expect((await store.listRevocations(0, 10)).map((r) => r.seq)).toEqual([1, 2]);
      expect((await store.listRevocations(1, 10)).map((r) => r.invitationId)).toEqual([b.id]);
      expect(await store.listRevocations(0, 1)).toHaveLength(1);
      expect(await store.findRevocation(b.id)).toMatchObject({ seq: 2, reason: 'x' });
    });

    it('leaves no seq gap when a revocation rolls back', async () => {
      const { store } = get();
      const a = invitation();
      const b = invitation({ flightNumber: 'IB999' });
      await store.insertInvitation(a, [], T0);
      await store.insertInvitation(b, [], T0);
      const failing = () => {
        throw new Error('outbox builder failed');
      };
      await expect(store.revokeInvitation(a.id, 'x', T0, failing)).rejects.toThrow(
        'outbox builder failed',
      );
      expect(await store.findInvitation(a.id)).toMatchObject({ status: 'issued' });
      expect(await store.lastRevocationSeq()).toBe(0);
      expect((await store.revokeInvitation(b.id, 'x', T0, noOutbox))?.revocation.seq).toBe(1);
    });
  });
}
