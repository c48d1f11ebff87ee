import { describe, expect, it } from 'vitest';
import type { LoungeEventInput, OutboxEventInput } from '../../src/store/port.ts';
import { T0, annulEvent, invitation, loungeEvent, outboxEvent } from './fixtures.ts';
import type { ContractContext } from './store-contract.ts';

const noOutbox = (): OutboxEventInput[] => [];

/** Lounge events: grants take entries, annuls give them back once, the rest is recorded. */
export function loungeEventsContract(get: () => ContractContext): void {
  describe('lounge events', () => {
    it('records grants idempotently, marks used, gives back on annulment once', async () => {
      const { store } = get();
      const inv = invitation({ entries: 2 });
      await store.insertInvitation(inv, [], T0);
      const seen: string[] = [];
      const outbox = (e: LoungeEventInput, i: { entriesUsed: number; status: string }) => {
        seen.push(`${e.eventId}:${e.admit}:${i.entriesUsed}:${i.status}`);
        return [outboxEvent('ibdp', e.invitationId!, e.at, { id: `out_${e.eventId}` })];
      };
      const grant = loungeEvent({ eventId: 'evt_g1', invitationId: inv.id, admit: 2 });
      expect(await store.recordLoungeEvents([grant, grant], outbox)).toEqual([
        'applied',
        'duplicate',
      ]);
      expect(await store.findInvitation(inv.id)).toMatchObject({
        status: 'used',
        usedAt: T0 + 1000,
        entriesUsed: 1,
      });
      expect(await store.recordLoungeEvents([grant], outbox)).toEqual(['duplicate']);
      // The turnstile did not turn: the entry is given back, once.
      const annul = annulEvent({ eventId: 'evt_a1', annuls: 'evt_g1' });
      const again = annulEvent({ eventId: 'evt_a2', annuls: 'evt_g1' });
      expect(await store.recordLoungeEvents([annul, again, annul], outbox)).toEqual([
        'applied',
        'conflict',
        'duplicate',
      ]);
      expect(await store.entriesUsed(inv.id)).toBe(0);
      expect(await store.findInvitation(inv.id)).toMatchObject({ status: 'issued', usedAt: null });
      expect(seen).toEqual(['evt_g1:2:1:used', `evt_a1:-2:0:issued`]);
      expect((await store.outboxBacklog()).ibdp).toBe(2);
      const stored = await store.findLoungeEvents(['evt_g1', 'evt_a1', 'evt_a2']);
      expect(stored.find((e) => e.eventId === 'evt_g1')).toMatchObject({
        type: 'grant',
        deviceId: 'dev_1',
        invitationId: inv.id,
        admit: 2,
        at: T0 + 1000,
        annulledBy: 'evt_a1',
      });
      expect(stored.map((e) => e.eventId).sort()).toEqual(['evt_a1', 'evt_g1']);
    });

    it('says a grant took the invitation past its entries, naming the grants holding them', async () => {
      const { store } = get();
      const inv = invitation({ entries: 1 });
      await store.insertInvitation(inv, [], T0);
      const seen: string[] = [];
      const outbox = (
        e: LoungeEventInput,
        i: { entriesUsed: number },
        others: { eventId: string }[],
      ) => {
        seen.push(`${e.eventId}:${i.entriesUsed}:${others.map((o) => o.eventId).join('+')}`);
        return [];
      };
      // Two boxes granted the same 1-entry code before either heard of the other.
      const a = loungeEvent({ eventId: 'evt_da', invitationId: inv.id, deviceId: 'dev_1' });
      const b = loungeEvent({ eventId: 'evt_db', invitationId: inv.id, deviceId: 'dev_2' });
      expect(await store.recordLoungeEvents([a], outbox)).toEqual(['applied']);
      expect(await store.recordLoungeEvents([b, b], outbox)).toEqual(['overused', 'duplicate']);
      expect(seen).toEqual(['evt_da:1:', 'evt_db:2:evt_da']);
      // An annul gives one entry back; a third grant is over again, beside the one still held.
      await store.recordLoungeEvents([annulEvent({ eventId: 'evt_dx', annuls: 'evt_da' })], outbox);
      const c = loungeEvent({ eventId: 'evt_dc', invitationId: inv.id, deviceId: 'dev_1' });
      expect(await store.recordLoungeEvents([c], outbox)).toEqual(['overused']);
      expect(seen.at(-1)).toBe('evt_dc:2:evt_db');
    });

    it("never lets an annul give back another device's grant", async () => {
      const { store } = get();
      const inv = invitation();
      await store.insertInvitation(inv, [], T0);
      await store.recordLoungeEvents(
        [loungeEvent({ eventId: 'evt_g', invitationId: inv.id })],
        noOutbox,
      );
      const foreign = annulEvent({ eventId: 'evt_a', annuls: 'evt_g', deviceId: 'dev_2' });
      expect(await store.recordLoungeEvents([foreign], noOutbox)).toEqual(['conflict']);
      expect(await store.entriesUsed(inv.id)).toBe(1);
      expect(await store.findLoungeEvents(['evt_a'])).toEqual([]);
    });

    it('records exits, adjusts and code-less grants without touching invitations', async () => {
      const { store } = get();
      const events = [
        loungeEvent({ eventId: 'evt_o', invitationId: null, admit: 3 }),
        loungeEvent({ eventId: 'evt_x', type: 'exit', admit: null }),
        loungeEvent({ eventId: 'evt_j', type: 'adjust', admit: null }),
        annulEvent({ eventId: 'evt_ao', annuls: 'evt_o' }),
      ];
      expect(await store.recordLoungeEvents(events, noOutbox)).toEqual([
        'applied',
        'applied',
        'applied',
        'applied',
      ]);
      expect((await store.findLoungeEvents(['evt_o']))[0]?.annulledBy).toBe('evt_ao');
      expect((await store.outboxBacklog()).ibdp).toBe(0);
    });

    it('keeps a revoked invitation revoked when a late grant arrives', async () => {
      const { store } = get();
      const inv = invitation();
      await store.insertInvitation(inv, [], T0);
      await store.revokeInvitation(inv.id, 'x', T0, noOutbox);
      await store.recordLoungeEvents(
        [loungeEvent({ eventId: 'evt_l', invitationId: inv.id })],
        noOutbox,
      );
      expect(await store.findInvitation(inv.id)).toMatchObject({
        status: 'revoked',
        entriesUsed: 1,
      });
    });

    it('tells the lounge of the invitations that exist', async () => {
      const { store } = get();
      const inv = invitation({ loungeId: 'BCN-T1-MIRO' });
      await store.insertInvitation(inv, [], T0);
      const lounges = await store.invitationLounges([inv.id, 'inv_missing']);
      expect([...lounges]).toEqual([[inv.id, 'BCN-T1-MIRO']]);
      expect(await store.invitationLounges([])).toEqual(new Map());
      expect(await store.findLoungeEvents([])).toEqual([]);
    });
  });
}
