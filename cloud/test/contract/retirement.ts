import { describe, expect, it } from 'vitest';
import type { CloudStore, KeySetChange, SigningKeyRow } from '../../src/store/port.ts';
import type { ContractContext } from './store-contract.ts';
import { HOUR, T0, invitation, outboxEvent } from './fixtures.ts';

const STANDBY = Number.MAX_SAFE_INTEGER;
const key = (kid: string, activatesAt: number): SigningKeyRow => ({
  kid,
  publicJwk: '{}',
  sealedPrivateKey: 'sealed',
  createdAt: T0,
  activatesAt,
  lastTokenExp: null,
  retiredAt: null,
});
const signed = (n: number) => ({
  kid: 'k2',
  token: `eyJhbGciOiJFZERTQSJ9.reissued${n}.sig`,
  qrPng: new Uint8Array([0x89, 0x50, 0x4e, 0x47, n]),
  qrSvg: `<svg xmlns="http://www.w3.org/2000/svg"><!-- new ${n} --></svg>`,
});

/** k1 signing, k2 standby; returns the version to plan on. */
async function twoKeys(store: CloudStore): Promise<number> {
  await store.insertSigningKey(key('k1', T0 - HOUR), []);
  await store.insertSigningKey(key('k2', STANDBY), []);
  return store.signingKeysVersion();
}

/** Emergency retirement of a signing key and the re-signing of what it signed (SPEC.md 5). */
export function retirementContract(get: () => ContractContext): void {
  describe('signing-key retirement', () => {
    it('retires with the planned change in one step, once, and refuses a stale plan', async () => {
      const { store, twin } = get();
      const other = await twin();
      const v = await twoKeys(store);
      const change = (expectVersion: number): KeySetChange => ({
        expectVersion,
        activate: { kid: 'k2', at: T0 },
        insert: key('k3', STANDBY),
        outbox: [outboxEvent('mqtt', 'keys', T0, { orderKey: 'keys' })],
      });
      const retirement = { at: T0, reason: 'leaked' };
      expect(await store.retireSigningKey('nope', retirement, change(v))).toBe('not-found');
      expect(await store.retireSigningKey('k1', retirement, change(v - 1))).toBe('stale');
      expect(await store.listSigningKeys()).toHaveLength(2);
      expect(await store.findSigningKeyRetirement('k1')).toBeNull();

      expect(await store.retireSigningKey('k1', retirement, change(v))).toBe('retired');
      expect(await other.signingKeysVersion()).toBeGreaterThan(v);
      const byKid = new Map((await other.listSigningKeys()).map((k) => [k.kid, k]));
      expect(byKid.get('k1')).toMatchObject({ retiredAt: T0 });
      expect(byKid.get('k2')).toMatchObject({ activatesAt: T0, retiredAt: null });
      expect(byKid.get('k3')).toMatchObject({ activatesAt: STANDBY, retiredAt: null });
      expect((await store.outboxBacklog()).mqtt).toBe(1);
      expect(await other.findSigningKeyRetirement('k1')).toEqual({
        kid: 'k1',
        retiredAt: T0,
        reason: 'leaked',
        reissued: 0,
      });

      // Again, from another instance and a fresh plan: nothing more is written.
      const again = { ...change(await other.signingKeysVersion()), insert: key('k4', STANDBY) };
      expect(await other.retireSigningKey('k1', { at: T0 + 5, reason: 'x' }, again)).toBe(
        'already-retired',
      );
      expect(await store.listSigningKeys()).toHaveLength(3);
      expect((await store.outboxBacklog()).mqtt).toBe(1);
      expect(await store.findSigningKeyRetirement('k1')).toMatchObject({ retiredAt: T0 });
    });

    it('lists the active invitations a key signed, by id, and pages', async () => {
      const { store } = get();
      const now = T0;
      const mine = [
        invitation({ flightNumber: 'IB1' }),
        invitation({ flightNumber: 'IB2', status: 'used', entries: 2, entriesUsed: 1 }),
        invitation({ flightNumber: 'IB3', validFrom: now + HOUR, validUntil: now + 9 * HOUR }),
      ];
      const not = [
        invitation({ flightNumber: 'IB4', kid: 'other' }),
        invitation({ flightNumber: 'IB5', status: 'used', entriesUsed: 1, usedAt: now }),
        invitation({ flightNumber: 'IB6', validUntil: now }), // expired
        invitation({ flightNumber: 'IB7' }), // revoked below
      ];
      for (const inv of [...mine, ...not]) await store.insertInvitation(inv, [], now);
      await store.revokeInvitation(not[3]!.id, 'r', now, () => []);
      const ids = mine.map((i) => i.id).sort();
      const all = await store.listInvitationsSignedBy('k1abcdef', now, 10, null);
      expect(all.map((i) => i.id)).toEqual(ids);
      expect(all[1]).toMatchObject({ id: ids[1], token: expect.any(String) });
      const page1 = await store.listInvitationsSignedBy('k1abcdef', now, 2, null);
      const page2 = await store.listInvitationsSignedBy('k1abcdef', now, 2, page1[1]!.id);
      expect([...page1, ...page2].map((i) => i.id)).toEqual(ids);
    });

    it('re-signs an active invitation once, counted on the retired key', async () => {
      const { store, twin } = get();
      const other = await twin();
      const v = await twoKeys(store);
      await store.retireSigningKey(
        'k1',
        { at: T0, reason: 'leaked' },
        { expectVersion: v, outbox: [] },
      );
      const inv = invitation({ kid: 'k1' });
      const revoked = invitation({ kid: 'k1', flightNumber: 'IB9' });
      await store.insertInvitation(inv, [], T0);
      await store.insertInvitation(revoked, [], T0);
      await store.revokeInvitation(revoked.id, 'r', T0, () => []);
      const crm = outboxEvent('crm', inv.id, T0 + 1);

      expect(await store.reissueInvitation(inv.id, 'k1', signed(1), T0 + 1, [crm])).toBe(true);
      expect(await other.findInvitation(inv.id)).toMatchObject({
        ...signed(1),
        qrPng: new Uint8Array(signed(1).qrPng),
        status: 'issued',
        entriesUsed: 0,
        createdAt: inv.createdAt,
      });
      // Signed by k2 now: a second re-signing off k1, or of a revoked one, writes nothing.
      expect(await other.reissueInvitation(inv.id, 'k1', signed(2), T0 + 2, [crm])).toBe(false);
      expect(await store.reissueInvitation(revoked.id, 'k1', signed(3), T0 + 2, [crm])).toBe(false);
      expect(await store.findInvitation(inv.id)).toMatchObject({ token: signed(1).token });
      expect((await store.outboxBacklog()).crm).toBe(1);
      expect(await store.findSigningKeyRetirement('k1')).toMatchObject({ reissued: 1 });
      expect(await store.listInvitationsSignedBy('k1', T0 + 2, 10, null)).toEqual([]);
    });

    it('two instances re-signing the same invitations at once do it once each', async () => {
      const { store, twin } = get();
      const other = await twin();
      const v = await twoKeys(store);
      await store.retireSigningKey(
        'k1',
        { at: T0, reason: 'leaked' },
        { expectVersion: v, outbox: [] },
      );
      const invs = Array.from({ length: 10 }, (_, i) =>
        invitation({ kid: 'k1', flightNumber: `IB${100 + i}` }),
      );
      for (const inv of invs) await store.insertInvitation(inv, [], T0);
      const results = await Promise.all(
        invs.flatMap((inv, i) =>
          [store, other].map((s) =>
            s.reissueInvitation(inv.id, 'k1', signed(i), T0 + 1, [outboxEvent('crm', inv.id)]),
          ),
        ),
      );
      expect(results.filter(Boolean)).toHaveLength(10);
      expect((await store.outboxBacklog()).crm).toBe(10);
      expect(await other.findSigningKeyRetirement('k1')).toMatchObject({ reissued: 10 });
    });
  });
}
