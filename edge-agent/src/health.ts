import type { Occupancy } from '@lounge/shared';
import type { ClockStatus } from './clock-guard.ts';
import type { MqttState } from './link-status.ts';
import type { ScannerHealth } from './scanners/port.ts';
import { uploadProblem, type UploadHealth } from './upload/upload-health.ts';

/** `GET /healthz` (SPEC.md 8); `reasons` is added only when degraded. */
export interface Health {
  status: 'ok' | 'degraded';
  deviceId: string;
  loungeId: string;
  sync: {
    revocationSeq: number;
    /** Revocations the cloud told of that are not applied yet (0 when in sync). */
    revocationLag: number;
    lastSyncAt: string | null;
    mqtt: MqttState;
  };
  scanners: ScannerHealth[];
  uploads: UploadHealth;
  /** People inside the lounge as this box counts them, and the lounge's capacity (or null). */
  occupancy: Occupancy;
  clock: { suspect: boolean; skewSeconds: number };
  reasons?: string[];
}

export interface HealthInput {
  deviceId: string;
  loungeId: string;
  revocationSeq: number;
  revocationLag: number;
  lastSyncAt: string | null;
  mqtt: MqttState;
  scanners: ScannerHealth[];
  uploads: UploadHealth;
  /** Absent: no occupancy is kept (shown as 0 inside, no capacity). */
  occupancy?: Occupancy;
  clock: ClockStatus;
  /** Why decisions cannot be recorded (disk full or failing), or null. */
  storage: string | null;
  /** The agent's clock reading, for the age of the oldest pending upload. */
  nowMs: number;
}

/**
 * Degraded when decisions cannot be recorded (disk full), the clock is suspect (SPEC.md 8), a
 * configured scanner is not connected (a gate cannot read codes), or the uploads are stuck (the
 * oldest pending record is over 5 min old, or IBDP refused the last attempt with a 4xx other
 * than 409/429: a wrong URL or token never heals by itself). A missing MQTT link alone is not
 * degraded: the edge is built to decide offline, and `sync.mqtt` shows it.
 */
export function buildHealth(h: HealthInput): Health {
  const reasons: string[] = [];
  if (h.storage) reasons.push(`storage: ${h.storage}`);
  if (h.clock.suspect) reasons.push(`clock: ${h.clock.reason ?? 'suspect'}`);
  for (const s of h.scanners) {
    if (s.status !== 'connected') {
      reasons.push(`scanner ${s.id}: ${s.status}${s.detail ? ` (${s.detail})` : ''}`);
    }
  }
  const uploads = uploadProblem(h.uploads, h.nowMs);
  if (uploads) reasons.push(`uploads: ${uploads}`);
  return {
    status: reasons.length ? 'degraded' : 'ok',
    deviceId: h.deviceId,
    loungeId: h.loungeId,
    sync: {
      revocationSeq: h.revocationSeq,
      revocationLag: h.revocationLag,
      lastSyncAt: h.lastSyncAt,
      mqtt: h.mqtt,
    },
    scanners: h.scanners,
    uploads: h.uploads,
    occupancy: h.occupancy ?? { inside: 0, capacity: null },
    clock: { suspect: h.clock.suspect, skewSeconds: h.clock.skewSeconds },
    ...(reasons.length && { reasons }),
  };
}
