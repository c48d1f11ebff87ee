import type { Heartbeat } from '@lounge/shared';
import type { DeviceRecord, InvitationRecord, InvitationStatus } from '../store/port.ts';
import { heartbeatOf, isStale } from './fleet-health.ts';
import { qrLinks, type QrLinks } from './links.ts';

/** An invitation as the API shows it (SPEC.md section 5, `GET /v1/invitations/:id`). */
export interface InvitationView {
  id: string;
  status: InvitationStatus;
  customerId: string;
  loungeId: string;
  flight: { number: string; date: string; departureTime: string };
  guests: number;
  entries: number;
  validFrom: string;
  validUntil: string;
  qr: QrLinks;
  /** The signed token itself, so an app may draw the QR (our addition). */
  token: string;
  createdAt: string;
  revokedAt?: string;
  usedAt?: string;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** `expired` is derived: an issued invitation past its validUntil. */
export function statusOf(inv: InvitationRecord, nowMs: number): InvitationStatus {
  return inv.status === 'issued' && nowMs >= inv.validUntil ? 'expired' : inv.status;
}

/** Maps a stored invitation to its API view, with freshly signed QR links. */
export function invitationView(
  inv: InvitationRecord,
  ctx: { publicUrl: string; linkSecret: Uint8Array; nowMs: number },
): InvitationView {
  return {
    id: inv.id,
    status: statusOf(inv, ctx.nowMs),
    customerId: inv.customerId,
    loungeId: inv.loungeId,
    flight: { number: inv.flightNumber, date: inv.flightDate, departureTime: inv.departureTime },
    guests: inv.guests,
    entries: inv.entries,
    validFrom: iso(inv.validFrom),
    validUntil: iso(inv.validUntil),
    qr: qrLinks(ctx.publicUrl, inv.id, inv.validUntil, ctx.linkSecret),
    token: inv.token,
    createdAt: iso(inv.createdAt),
    ...(inv.revokedAt === null ? {} : { revokedAt: iso(inv.revokedAt) }),
    ...(inv.usedAt === null ? {} : { usedAt: iso(inv.usedAt) }),
  };
}

/** A device as the fleet view shows it (SPEC.md 5, `GET /v1/devices`). */
export interface DeviceView {
  deviceId: string;
  loungeId: string;
  name: string;
  hardware: string | null;
  enrolledAt: string;
  lastSeenAt: string | null;
  online: boolean;
  /** No heartbeat for 3 min (never for a decommissioned device). */
  stale: boolean;
  /** When the cloud took the last heartbeat. */
  heartbeatAt: string | null;
  /** The last full heartbeat (SPEC.md 6), kept beside `online` when the will comes. */
  heartbeat: Heartbeat | null;
  revocationSeq: number;
  decommissionedAt: string | null;
}

export function deviceView(d: DeviceRecord, nowMs: number): DeviceView {
  return {
    deviceId: d.deviceId,
    loungeId: d.loungeId,
    name: d.name,
    hardware: d.hardware,
    enrolledAt: iso(d.enrolledAt),
    lastSeenAt: d.lastSeenAt === null ? null : iso(d.lastSeenAt),
    online: d.online && d.decommissionedAt === null,
    stale: isStale(d, nowMs),
    heartbeatAt: d.heartbeatAt === null ? null : iso(d.heartbeatAt),
    heartbeat: heartbeatOf(d),
    revocationSeq: d.revocationSeq,
    decommissionedAt: d.decommissionedAt === null ? null : iso(d.decommissionedAt),
  };
}
