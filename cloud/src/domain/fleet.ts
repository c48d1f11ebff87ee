import { ProblemError } from '@lounge/shared';
import type { AppDeps } from '../deps.ts';
import { brokerRow } from '../outbox/events.ts';
import { checkPublicKey } from './enroll-device.ts';
import { deviceView, type DeviceView } from './views.ts';

/** Every enrolled device (of one lounge), decommissioned ones included (`decommissionedAt`). */
export async function listDevices(
  deps: AppDeps,
  filter: { loungeId?: string | undefined } = {},
): Promise<{ devices: DeviceView[] }> {
  const devices = await deps.store.listDevices();
  const wanted = devices.filter((d) => !filter.loungeId || d.loungeId === filter.loungeId);
  return { devices: wanted.map(deviceView) };
}

/** Decommissions a device: its assertions and broker login are refused from now on. */
export async function decommissionDevice(deps: AppDeps, deviceId: string): Promise<DeviceView> {
  const now = deps.clock.now();
  // The broker is told through the outbox (`broker` lane): durable, retried by any instance,
  // so a crash of this one right after the commit still gets the login removed.
  const outbox = [brokerRow({ action: 'decommission', deviceId }, now)];
  const device = await deps.store.decommissionDevice(deviceId, now, outbox);
  if (!device) throw new ProblemError('NOT_FOUND', `no device ${deviceId}`);
  deps.notifyOutbox();
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
