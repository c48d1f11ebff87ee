import { heartbeatSchema, heartbeatSeq, type DeviceStatus, type Heartbeat } from '@lounge/shared';
import type { FleetSummary } from '../metrics.ts';
import type { DeviceRecord, DeviceStatusWrite } from '../store/port.ts';

/** SPEC.md 5: a device is stale after 3 minutes without a heartbeat. */
export const STALE_AFTER_MS = 3 * 60_000;

/**
 * No heartbeat for 3 min (counted from enrolment for a box never heard from, so a box enrolled
 * and never started shows up too). A decommissioned device is never stale: it is gone.
 */
export function isStale(d: DeviceRecord, nowMs: number): boolean {
  if (d.decommissionedAt !== null) return false;
  return nowMs - (d.heartbeatAt ?? d.enrolledAt) > STALE_AFTER_MS;
}

/**
 * What a status message writes. A live heartbeat was taken now; a retained one (delivered when
 * this instance subscribed) is old news: its own `at`, never later than now (a box whose
 * clock runs ahead must not look fresh for longer than it is).
 */
export function statusWrite(status: DeviceStatus, retained: boolean, nowMs: number) {
  if (!status.online) return { online: false } satisfies DeviceStatusWrite;
  const sent = Date.parse(status.at);
  const heartbeatAt = !retained ? nowMs : Number.isFinite(sent) ? Math.min(sent, nowMs) : null;
  const seq = heartbeatSeq(status);
  return {
    online: true,
    heartbeat: JSON.stringify(status),
    heartbeatAt,
    ...(seq === undefined ? {} : { revocationSeq: seq }),
  } satisfies DeviceStatusWrite;
}

/** The stored heartbeat, parsed; null when none (or not one we can read). */
export function heartbeatOf(d: DeviceRecord): Heartbeat | null {
  if (d.heartbeat === null) return null;
  try {
    const parsed = heartbeatSchema.safeParse(JSON.parse(d.heartbeat));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/**
 * Sums up the fleet from the stored heartbeats. A stale box's last heartbeat is old news: it
 * counts as stale only (its own alert), so one dead box does not also page as lagging,
 * stuck and scanner-less. Decommissioned devices do not count.
 */
export function summarizeFleet(devices: readonly DeviceRecord[], nowMs: number): FleetSummary {
  const out: FleetSummary = {
    devices: { online: 0, offline: 0, stale: 0 },
    maxRevocationLag: 0,
    oldestPendingUploadSeconds: 0,
    scannersDown: 0,
    clocksSuspect: 0,
  };
  for (const d of devices) {
    if (d.decommissionedAt !== null) continue;
    if (isStale(d, nowMs)) {
      out.devices.stale++;
      continue;
    }
    out.devices[d.online ? 'online' : 'offline']++;
    const h = heartbeatOf(d);
    if (!h) continue;
    out.maxRevocationLag = Math.max(out.maxRevocationLag, h.sync?.revocationLag ?? 0);
    const oldest = Date.parse(h.uploads?.oldestPendingAt ?? '');
    if (Number.isFinite(oldest)) {
      const age = Math.max(0, Math.floor((nowMs - oldest) / 1000));
      out.oldestPendingUploadSeconds = Math.max(out.oldestPendingUploadSeconds, age);
    }
    out.scannersDown += (h.scanners ?? []).filter((s) => s.status !== 'connected').length;
    if (h.clock?.suspect) out.clocksSuspect++;
  }
  return out;
}
