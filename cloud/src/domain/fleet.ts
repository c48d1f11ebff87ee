import { ProblemError } from '@lounge/shared';
import type { AppDeps } from '../deps.ts';
import { brokerRow } from '../outbox/events.ts';
import type { DeviceRecord } from '../store/port.ts';
import { checkPublicKey } from './enroll-device.ts';
import { deviceView, type DeviceView } from './views.ts';

/** SPEC.md 5: a device is stale after 3 minutes without a heartbeat. */
export const STALE_AFTER_MS = 3 * 60_000;

/**
 * Stale, as far as the data goes today: an active device not seen (status message or signed
 * request, `lastSeenAt`) for 3 minutes. The fleet heartbeat will refine it.
 */
export function isStale(device: DeviceRecord, nowMs: number): boolean {
  if (device.decommissionedAt !== null) return false;
  return device.lastSeenAt === null || nowMs - device.lastSeenAt > STALE_AFTER_MS;
}

/** Every enrolled device (of one lounge; only stale ones), decommissioned ones included. */
export async function listDevices(
  deps: Pick<AppDeps, 'store'>,
  filter: { loungeId?: string | undefined; staleAt?: number | undefined } = {},
): Promise<{ devices: DeviceView[] }> {
  const devices = await deps.store.listDevices();
  const wanted = devices.filter(
    (d) =>
      (!filter.loungeId || d.loungeId === filter.loungeId) &&
      (filter.staleAt === undefined || isStale(d, filter.staleAt)),
  );
  return { devices: wanted.map(deviceView) };
}

/** Decommissions a device: its assertions and broker login are refused from now on. */
/**
 * The CLI passes no `notifyOutbox`: the running instances' outbox polls pick the row up.
 */
export async function decommissionDevice(
  deps: Pick<AppDeps, 'store' | 'clock' | 'log'> & Partial<Pick<AppDeps, 'notifyOutbox'>>,
  deviceId: string,
): Promise<DeviceView> {
  const now = deps.clock.now();
  // The broker is told through the outbox (`broker` lane): durable, retried by any instance,
  // so a crash of this one right after the commit still gets the login removed.
  const outbox = [brokerRow({ action: 'decommission', deviceId }, now)];
  const device = await deps.store.decommissionDevice(deviceId, now, outbox);
  if (!device) throw new ProblemError('NOT_FOUND', `no device ${deviceId}`);
  deps.notifyOutbox?.();
  deps.log.info({ deviceId }, 'device decommissioned');
  return deviceView(device);
}

/** Replaces a device's public key (the request was signed by the current key). */
export async function rotateDeviceKey(
  deps: AppDeps,
  deviceId: string,
  publicKey: unknown,
): Promise<{ deviceId: string; publicKey: ReturnType<typeof checkPublicKey> }> {
  const jwk = checkPublicKey(publicKey);
  await deps.store.replaceDeviceKey(deviceId, JSON.stringify(jwk));
  deps.log.info({ deviceId }, 'device key rotated');
  return { deviceId, publicKey: jwk };
}
