import { describe, expect, it } from 'vitest';
import type { CloudStore, DeviceRecord } from '../../src/store/port.ts';
import type { ContractContext } from './store-contract.ts';
import { T0, device } from './fixtures.ts';

/** Enrols a device through a fresh token, as the API does. */
async function enrolled(store: CloudStore, loungeId?: string): Promise<DeviceRecord> {
  const d = device(loungeId);
  const id = `enr_${d.deviceId}`;
  await store.insertEnrollmentToken({
    id,
    hash: 'h',
    loungeId: d.loungeId,
    expiresAt: T0 + 3600_000,
    usedAt: null,
    usedByDevice: null,
    createdAt: T0,
  });
  expect(await store.enrollDevice(id, d, T0)).toBe('ok');
  return d;
}

const beat = (at: number, extra: object = {}) =>
  JSON.stringify({ online: true, at: new Date(at).toISOString(), status: 'ok', ...extra });

/** Device statuses (SPEC.md 6): the last full heartbeat beside `online`, one write each. */
export function fleetContract(get: () => ContractContext): void {
  describe('device heartbeats', () => {
    it('keeps the last heartbeat, moves its time only forward, and ignores copies', async () => {
      const { store } = get();
      const d = await enrolled(store);
      const h1 = beat(T0 + 1000, { sync: { revocationSeq: 3 } });
      const first = { online: true, heartbeat: h1, heartbeatAt: T0 + 1000, revocationSeq: 3 };
      expect(await store.recordDeviceStatus(d.deviceId, first)).toBe(true);
      expect(await store.findDevice(d.deviceId)).toEqual({
        ...d,
        online: true,
        heartbeat: h1,
        heartbeatAt: T0 + 1000,
        lastSeenAt: T0 + 1000,
        revocationSeq: 3,
      });
      // Another instance's copy of the same message (a little later) changes nothing.
      expect(await store.recordDeviceStatus(d.deviceId, { ...first, heartbeatAt: T0 + 1005 })).toBe(
        false,
      );
      expect((await store.findDevice(d.deviceId))!.heartbeatAt).toBe(T0 + 1000);
      // A newer heartbeat whose time is older (retained, stamped by the box) keeps the time.
      const h2 = beat(T0 + 500);
      expect(
        await store.recordDeviceStatus(d.deviceId, {
          online: true,
          heartbeat: h2,
          heartbeatAt: T0 + 500,
        }),
      ).toBe(true);
      expect(await store.findDevice(d.deviceId)).toMatchObject({
        heartbeat: h2,
        heartbeatAt: T0 + 1000,
        lastSeenAt: T0 + 1000,
        revocationSeq: 3, // absent: kept
      });
      // A retained heartbeat without a time keeps the stored one.
      const h3 = beat(T0 + 2000, { version: 'x' });
      await store.recordDeviceStatus(d.deviceId, {
        online: true,
        heartbeat: h3,
        heartbeatAt: null,
      });
      expect(await store.findDevice(d.deviceId)).toMatchObject({
        heartbeat: h3,
        heartbeatAt: T0 + 1000,
      });
    });

    it('an offline message clears online once and keeps the heartbeat beside it', async () => {
      const { store } = get();
      const d = await enrolled(store);
      expect(await store.recordDeviceStatus(d.deviceId, { online: false })).toBe(false);
      const h = beat(T0 + 1000);
      await store.recordDeviceStatus(d.deviceId, { online: true, heartbeat: h, heartbeatAt: T0 });
      expect(await store.recordDeviceStatus(d.deviceId, { online: false })).toBe(true);
      expect(await store.recordDeviceStatus(d.deviceId, { online: false })).toBe(false);
      expect(await store.findDevice(d.deviceId)).toMatchObject({
        online: false,
        heartbeat: h,
        heartbeatAt: T0,
      });
      // The next heartbeat (a reconnect) sets it online again.
      const again = { online: true as const, heartbeat: beat(T0 + 9000), heartbeatAt: T0 + 9000 };
      expect(await store.recordDeviceStatus(d.deviceId, again)).toBe(true);
      expect((await store.findDevice(d.deviceId))!.online).toBe(true);
    });

    it('refuses statuses of unknown and decommissioned devices', async () => {
      const { store } = get();
      const hb = { online: true as const, heartbeat: beat(T0), heartbeatAt: T0 };
      expect(await store.recordDeviceStatus('dev_unknown', hb)).toBe(false);
      const d = await enrolled(store);
      await store.decommissionDevice(d.deviceId, T0 + 1);
      expect(await store.recordDeviceStatus(d.deviceId, hb)).toBe(false);
      expect(await store.findDevice(d.deviceId)).toMatchObject({
        online: false,
        heartbeat: null,
        heartbeatAt: null,
      });
    });

    it('the same heartbeat from two instances at once is written once', async () => {
      const { store, twin } = get();
      const other = await twin();
      const devices = [await enrolled(store), await enrolled(store, 'BCN-T1-PUENTE')];
      const results = await Promise.all(
        devices.flatMap((d, i) =>
          [store, other, store, other].map((s, j) =>
            s.recordDeviceStatus(d.deviceId, {
              online: true,
              heartbeat: beat(T0 + i),
              heartbeatAt: T0 + j,
            }),
          ),
        ),
      );
      expect(results.filter(Boolean)).toHaveLength(2);
      for (const d of await other.listDevices()) expect(d.online).toBe(true);
    });
  });
}
