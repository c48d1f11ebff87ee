import { LOUNGE_ID_RE } from '@lounge/shared';
import type { CloudCore } from '../cloud.ts';
import { decommissionDevice, listDevices } from '../domain/fleet.ts';
import { statusOf } from '../domain/views.ts';
import type { DeviceView } from '../domain/views.ts';
import type { InvitationRecord, InvitationStatus } from '../store/port.ts';
import { loungeView } from '../domain/admin.ts';
import { UsageError, loungeTraits, type CommandResult } from './admin-commands.ts';

type Flags = Record<string, string | undefined>;

const iso = (ms: number): string => new Date(ms).toISOString();

/** A `--lounge` value, checked. */
export function loungeFlag(flags: Flags): string | undefined {
  const id = flags.lounge;
  if (id !== undefined && !LOUNGE_ID_RE.test(id)) {
    throw new UsageError(`--lounge: "${id}" is not a lounge id (e.g. MAD-T4S-VELAZQUEZ)`);
  }
  return id;
}

/** `lounges list` */
export async function loungesList(core: CloudCore): Promise<CommandResult> {
  const lounges = (await core.store.listLounges()).map(loungeView);
  const lines = lounges.map((l) => `${l.id}  ${loungeTraits(l)}  ${l.name}`);
  return { line: lines.length ? lines.join('\n') : 'no lounges yet', json: { lounges } };
}

function deviceLine(d: DeviceView): string {
  const state = d.decommissionedAt
    ? `decommissioned ${d.decommissionedAt}`
    : `${d.online ? 'online' : 'offline'}${d.stale ? ', STALE' : ''}, last seen ${d.lastSeenAt ?? 'never'}`;
  return `${d.deviceId}  ${d.loungeId}  ${d.name}  ${state}`;
}

/** `devices list [--lounge ID] [--stale]`; stale = no heartbeat for 3 min (SPEC.md 5). */
export async function devicesList(core: CloudCore, flags: Flags): Promise<CommandResult> {
  const stale = flags.stale === 'true';
  const { devices } = await listDevices(core, {
    loungeId: loungeFlag(flags),
    stale: stale ? true : undefined,
  });
  const none = stale ? 'no stale devices' : 'no devices';
  return {
    line: devices.length ? devices.map(deviceLine).join('\n') : none,
    json: { devices },
  };
}

/** `devices decommission ID` */
export async function devicesDecommission(
  core: CloudCore,
  _flags: Flags,
  args: readonly string[],
): Promise<CommandResult> {
  const [deviceId] = args;
  if (!deviceId) throw new UsageError('devices decommission needs the device id');
  const device = await decommissionDevice(core, deviceId);
  // The broker change is a `broker` outbox row: a running instance applies it at its next poll.
  const broker = core.config.mqtt.dynsec
    ? '; a running cloud instance removes its mosquitto login within seconds'
    : '';
  return {
    line: `decommissioned ${device.deviceId} (${device.loungeId}): the cloud refuses it from now on${broker}`,
    json: device,
  };
}

const STATUSES: readonly InvitationStatus[] = ['issued', 'used', 'revoked', 'expired'];

/** An invitation as the CLI shows it: no token, no links. */
function invitationRow(inv: InvitationRecord, nowMs: number) {
  return {
    id: inv.id,
    status: statusOf(inv, nowMs),
    customerId: inv.customerId,
    loungeId: inv.loungeId,
    flight: { number: inv.flightNumber, date: inv.flightDate },
    guests: inv.guests,
    entries: inv.entries,
    entriesUsed: inv.entriesUsed,
    validUntil: iso(inv.validUntil),
    createdAt: iso(inv.createdAt),
  };
}

/** The flags of `invitations list`, checked: status, limit (default 50) and lounge. */
export function checkInvitationFlags(flags: Flags): {
  status: InvitationStatus | undefined;
  limit: number;
  loungeId: string | undefined;
} {
  const status = flags.status;
  if (status !== undefined && !(STATUSES as readonly string[]).includes(status)) {
    throw new UsageError(`--status must be one of ${STATUSES.join(', ')}`);
  }
  const limitText = flags.limit ?? '50';
  const limit = /^\d+$/.test(limitText) ? Number(limitText) : NaN;
  if (!(limit >= 1 && limit <= 1000)) throw new UsageError('--limit must be 1 to 1000');
  return { status: status as InvitationStatus | undefined, limit, loungeId: loungeFlag(flags) };
}

/** `invitations list [--lounge ID] [--customer C] [--status S] [--limit N]`, newest first. */
export async function invitationsList(core: CloudCore, flags: Flags): Promise<CommandResult> {
  const { status, limit, loungeId } = checkInvitationFlags(flags);
  const nowMs = core.clock.now();
  const page = await core.store.listInvitations(
    { loungeId, customerId: flags.customer, status, nowMs },
    limit,
    null,
  );
  const items = page.items.map((i) => invitationRow(i, nowMs));
  const lines = items.map(
    (i) =>
      `${i.id}  ${i.status}  ${i.loungeId}  ${i.flight.number} ${i.flight.date}  ${i.customerId}  ` +
      `entries ${i.entriesUsed}/${i.entries}, guests ${i.guests}`,
  );
  if (page.nextCursor) lines.push(`(more than ${limit}; raise --limit to see them)`);
  return {
    line: lines.length ? lines.join('\n') : 'no invitations match',
    json: { items, more: page.nextCursor !== null },
  };
}
