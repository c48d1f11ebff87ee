import { describe, expect, it } from 'vitest';
import type { ContractContext } from './store-contract.ts';
import { T0, device, outboxEvent } from './fixtures.ts';

/** Migrations, secrets, API keys, lounges, signing keys, idempotency, devices, jtis. */
export function recordsContract(get: () => ContractContext): void {
  describe('records', () => {
    it('migrates idempotently and answers ping', async () => {
      const { store } = get();
      await store.migrate();
      await store.ping();
      expect(await store.lastRevocationSeq()).toBe(0);
    });

    it('creates a secret once and shares it between instances', async () => {
      const { store, twin } = get();
      const other = await twin();
      expect(await store.getOrCreateSecret('link-hmac', () => 'first')).toBe('first');
      expect(await other.getOrCreateSecret('link-hmac', () => 'second')).toBe('first');
    });

    it('replaces a secret only while it still holds the expected value', async () => {
      const { store, twin } = get();
      const other = await twin();
      await store.getOrCreateSecret('link-hmac', () => 'plain');
      expect(await store.replaceSecret('link-hmac', 'plain', 'sealed-a')).toBe(true);
      expect(await other.replaceSecret('link-hmac', 'plain', 'sealed-b')).toBe(false);
      expect(await other.getOrCreateSecret('link-hmac', () => 'new')).toBe('sealed-a');
    });

    it('stores API keys and counts the live ones by role', async () => {
      const { store } = get();
      const base = { name: 'n', hash: 'h'.repeat(64), createdAt: T0, revokedAt: null };
      await store.insertApiKey({ ...base, id: 'key_admin', role: 'admin' });
      await store.insertApiKey({ ...base, id: 'key_app', role: 'app' });
      await store.insertApiKey({ ...base, id: 'key_old', role: 'admin', revokedAt: T0 });
      expect(await store.findApiKey('key_app')).toEqual({ ...base, id: 'key_app', role: 'app' });
      expect(await store.findApiKey('nope')).toBeNull();
      expect(await store.countApiKeys('admin')).toBe(1);
      expect(await store.countApiKeys()).toBe(2);
    });

    it('lists API keys and revokes them, never the last live admin key', async () => {
      const { store, twin } = get();
      const other = await twin();
      const base = { name: 'n', hash: 'h'.repeat(64), revokedAt: null };
      await store.insertApiKey({ ...base, id: 'key_a1', role: 'admin', createdAt: T0 });
      await store.insertApiKey({ ...base, id: 'key_a2', role: 'admin', createdAt: T0 + 1 });
      await store.insertApiKey({ ...base, id: 'key_app', role: 'app', createdAt: T0 + 2 });
      expect(await store.revokeApiKey('key_app', T0 + 10)).toMatchObject({ outcome: 'revoked' });
      expect(await other.findApiKey('key_app')).toMatchObject({ revokedAt: T0 + 10 });
      expect(await other.revokeApiKey('key_app', T0 + 20)).toMatchObject({
        outcome: 'already-revoked',
        key: { revokedAt: T0 + 10 },
      });
      expect(await store.revokeApiKey('key_a1', T0 + 30)).toMatchObject({ outcome: 'revoked' });
      expect(await other.revokeApiKey('key_a2', T0 + 40)).toMatchObject({ outcome: 'last-admin' });
      expect(await store.findApiKey('key_a2')).toMatchObject({ revokedAt: null });
      expect(await store.revokeApiKey('nope', T0)).toEqual({ outcome: 'not-found' });
      expect((await other.listApiKeys()).map((k) => [k.id, k.revokedAt])).toEqual([
        ['key_a1', T0 + 30],
        ['key_a2', null],
        ['key_app', T0 + 10],
      ]);
    });

    it('upserts lounges', async () => {
      const { store } = get();
      const lounge = {
        id: 'MAD-T4S',
        airport: 'MAD',
        name: 'A',
        timezone: 'Europe/Madrid',
        capacity: null,
        hours: null,
        updatedAt: T0,
      };
      expect(await store.upsertLounge(lounge)).toEqual(lounge);
      const renamed = {
        ...lounge,
        name: 'B',
        capacity: 80,
        hours: { opens: '05:30', closes: '23:00' },
        updatedAt: T0 + 1,
      };
      const config = outboxEvent('mqtt', 'lounge-config', T0 + 1, { orderKey: 'cfg:MAD-T4S' });
      expect(await store.upsertLounge(renamed, [config])).toEqual(renamed);
      expect(await store.findLounge('MAD-T4S')).toEqual(renamed);
      expect(await store.findLounge('BCN-X')).toBeNull();
      const claimed = await store.claimOutbox('w1', T0 + 10, 10, 30_000);
      expect(claimed.map((e) => e.id)).toContain(config.id);
      await store.upsertLounge({ ...lounge, id: 'BCN-T1', airport: 'BCN' });
      expect((await store.listLounges()).map((l) => l.id)).toEqual(['BCN-T1', 'MAD-T4S']);
    });

    it('keeps signing keys and only ever raises lastTokenExp', async () => {
      const { store } = get();
      const key = {
        kid: 'k1abcdef',
        publicJwk: '{}',
        sealedPrivateKey: 'sealed',
        createdAt: T0,
        activatesAt: T0,
        lastTokenExp: null,
        retiredAt: null,
      };
      await store.insertSigningKey(key, [outboxEvent('mqtt', 'keys')]);
      await store.noteTokenSigned('k1abcdef', 2000);
      await store.noteTokenSigned('k1abcdef', 1000);
      expect(await store.listSigningKeys()).toEqual([{ ...key, lastTokenExp: 2000 }]);
      expect((await store.outboxBacklog()).mqtt).toBe(1);
    });

    it('versions the signing-key set and promotes a standby with the next key', async () => {
      const { store } = get();
      const key = (kid: string, activatesAt: number) => ({
        kid,
        publicJwk: '{}',
        sealedPrivateKey: 'sealed',
        createdAt: T0,
        activatesAt,
        lastTokenExp: null,
        retiredAt: null,
      });
      const v0 = await store.signingKeysVersion();
      await store.insertSigningKey(key('k1', T0), []);
      await store.insertSigningKey(key('k2', Number.MAX_SAFE_INTEGER), []);
      const v1 = await store.signingKeysVersion();
      expect(v1).toBeGreaterThan(v0);
      await store.noteTokenSigned('k1', 2000); // not a change to the set
      expect(await store.signingKeysVersion()).toBe(v1);
      await store.insertSigningKey(key('k3', Number.MAX_SAFE_INTEGER), [], {
        kid: 'k2',
        at: T0 + 5,
      });
      expect(await store.signingKeysVersion()).toBeGreaterThan(v1);
      const byKid = new Map((await store.listSigningKeys()).map((k) => [k.kid, k.activatesAt]));
      expect(Object.fromEntries(byKid)).toEqual({
        k1: T0,
        k2: T0 + 5,
        k3: Number.MAX_SAFE_INTEGER,
      });
    });

    it('claims, completes and releases idempotency keys', async () => {
      const { store } = get();
      expect(await store.claimIdempotencyKey('s', 'k', 'h1', T0)).toEqual({ state: 'claimed' });
      const again = await store.claimIdempotencyKey('s', 'k', 'h1', T0 + 1);
      expect(again.state).toBe('in-progress');
      await store.completeIdempotencyKey('s', 'k', 201, '{"id":1}');
      const done = await store.claimIdempotencyKey('s', 'k', 'h2', T0 + 2);
      expect(done).toMatchObject({
        state: 'completed',
        record: { requestHash: 'h1', responseStatus: 201, responseBody: '{"id":1}' },
      });
      expect((await store.claimIdempotencyKey('other', 'k', 'h1', T0)).state).toBe('claimed');
      await store.releaseIdempotencyKey('other', 'k');
      expect((await store.claimIdempotencyKey('other', 'k', 'h1', T0)).state).toBe('claimed');
    });

    it('lets a claim abandoned by a dead instance be taken over after a minute', async () => {
      const { store } = get();
      await store.claimIdempotencyKey('s', 'k', 'h1', T0);
      expect((await store.claimIdempotencyKey('s', 'k', 'h1', T0 + 59_000)).state).toBe(
        'in-progress',
      );
      expect((await store.claimIdempotencyKey('s', 'k', 'h1', T0 + 60_000)).state).toBe('claimed');
    });

    it('enrols a device once per token and manages it', async () => {
      const { store } = get();
      const token = {
        id: 'enr_1',
        hash: 'x',
        loungeId: 'MAD-T4S-VELAZQUEZ',
        expiresAt: T0 + 3600_000,
        usedAt: null,
        usedByDevice: null,
        createdAt: T0,
      };
      await store.insertEnrollmentToken(token);
      expect(await store.findEnrollmentToken('enr_1')).toEqual(token);
      const d = device();
      expect(await store.enrollDevice('enr_1', d, T0 + 5)).toBe('ok');
      expect(await store.enrollDevice('enr_1', device(), T0 + 6)).toBe('used');
      expect(await store.findEnrollmentToken('enr_1')).toMatchObject({
        usedAt: T0 + 5,
        usedByDevice: d.deviceId,
      });
      expect(await store.findDevice(d.deviceId)).toEqual(d);
      await store.updateDeviceStatus(d.deviceId, {
        online: true,
        lastSeenAt: T0 + 9,
        revocationSeq: 4,
      });
      await store.replaceDeviceKey(d.deviceId, '{"new":true}');
      expect(await store.listDevices()).toEqual([
        { ...d, online: true, lastSeenAt: T0 + 9, revocationSeq: 4, publicJwk: '{"new":true}' },
      ]);
      // The broker change rides in the same transaction (outbox `broker` lane).
      const tell = outboxEvent('broker', 'none', T0 + 10, { orderKey: null });
      const gone = await store.decommissionDevice(d.deviceId, T0 + 10, [tell]);
      expect(gone).toMatchObject({ decommissionedAt: T0 + 10, online: false });
      const claimed = await store.claimOutbox('w', T0 + 10, 10, 1000, ['broker']);
      expect(claimed.map((r) => r.id)).toEqual([tell.id]);
      expect(await store.decommissionDevice('dev_unknown', T0, [tell])).toBeNull();
      expect(await store.outboxBacklog()).toMatchObject({ broker: 1 });
      expect((await store.decommissionDevice(d.deviceId, T0 + 20))?.decommissionedAt).toBe(T0 + 10);
      expect(await store.decommissionDevice('dev_unknown', T0)).toBeNull();
    });

    it('remembers assertion jtis and forgets them once expired', async () => {
      const { store, clock } = get();
      const d = 'dev_01';
      expect(await store.rememberAssertionJti(d, 'j1', T0 + 300_000)).toBe(true);
      expect(await store.rememberAssertionJti(d, 'j1', T0 + 300_000)).toBe(false);
      expect(await store.rememberAssertionJti('dev_02', 'j1', T0 + 300_000)).toBe(true);
      clock.advance(600_000); // past the expiry and the prune throttle
      expect(await store.rememberAssertionJti(d, 'j2', clock.now() + 300_000)).toBe(true);
      expect(await store.rememberAssertionJti(d, 'j1', clock.now() + 300_000)).toBe(true);
    });
  });
}
