import type { DeviceStatus } from '@lounge/shared';
import type { AppDeps } from '../deps.ts';
import { CloudError } from '../errors.ts';
import type { FleetSummary } from '../metrics.ts';
import { brokerRow } from '../outbox/events.ts';
import { checkPublicKey } from './enroll-device.ts';
import { statusWrite, summarizeFleet } from './fleet-health.ts';
import { deviceView, type DeviceView } from './views.ts';

/** Filters of the fleet view (`GET /v1/devices`, `lounge-cloud devices list`). */
export interface DeviceFilter {
  loungeId?: string | undefined;
  /** Only stale devices (true) or only fresh ones (false). */
  stale?: boolean | undefined;
}

/**
 * Every enrolled device (of one lounge), decommissioned ones included (`decommissionedAt`),
 * with its last heartbeat and `stale` as of the injected clock.
 */
export async function listDevices(
  deps: Pick<AppDeps, 'store' | 'clock'>,
  filter: DeviceFilter = {},
): Promise<{ devices: DeviceView[] }> {
  const now = deps.clock.now();
  const views = (await deps.store.listDevices())
    .filter((d) => !filter.loungeId || d.loungeId === filter.loungeId)
    .map((d) => deviceView(d, now));
  const wanted = filter.stale === undefined ? views : views.filter((d) => d.stale === filter.stale);
  return { devices: wanted };
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
  if (!device) throw new CloudError('NOT_FOUND', `no device ${deviceId}`);
  deps.notifyOutbox?.();
  deps.log.info({ deviceId }, 'device decommissioned');
  return deviceView(device, now);
}

/**
 * Records a status message in the fleet view (docs/mqtt.md "Heartbeats"); false when it changed
 * nothing: applied already, or no such active device.
 */
export function recordDeviceStatus(
  deps: Pick<AppDeps, 'store' | 'clock'>,
  deviceId: string,
  status: DeviceStatus,
  retained: boolean,
): Promise<boolean> {
  return deps.store.recordDeviceStatus(deviceId, statusWrite(status, retained, deps.clock.now()));
}

/** Replaces a device's public key (the request was signed by the current key). */
export async function rotateDeviceKey(
  deps: Pick<AppDeps, 'store' | 'log'>,
  deviceId: string,
  publicKey: unknown,
): Promise<{ deviceId: string; publicKey: ReturnType<typeof checkPublicKey> }> {
  const jwk = checkPublicKey(publicKey);
  await deps.store.replaceDeviceKey(deviceId, JSON.stringify(jwk));
  deps.log.info({ deviceId }, 'device key rotated');
  return { deviceId, publicKey: jwk };
}

/**
 * The fleet gauges, read from the store at scrape time and kept for `ttlMs` (concurrent
 * scrapes share one read): the same figures on every instance, whichever took the heartbeats.
 */
export function fleetSummaryReader(
  deps: Pick<AppDeps, 'store' | 'clock'>,
  ttlMs = 10_000,
): () => Promise<FleetSummary> {
  let cached: { at: number; value: Promise<FleetSummary> } | undefined;
  return () => {
    const now = deps.clock.now();
    if (!cached || now - cached.at >= ttlMs || now < cached.at) {
      const value = deps.store.listDevices().then((d) => summarizeFleet(d, now));
      // A failed read is not kept: the next scrape tries again.
      value.catch(() => (cached = undefined));
      cached = { at: now, value };
    }
    return cached.value;
  };
}
