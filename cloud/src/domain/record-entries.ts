import type { AppDeps } from '../deps.ts';
import { ibdpRow } from '../outbox/events.ts';
import type { EntryInput, InvitationRecord, OutboxEventInput } from '../store/port.ts';
import { invitationRecord } from './issue-invitation.ts';

/** An entry event as devices send it (SPEC.md section 8); `admit` counts people. */
export interface EntryEventBody {
  eventId: string;
  invitationId: string;
  deviceId: string;
  gate: string;
  admit: number;
  at: string;
}

/** The IBDP `invitations` record of an entry (a state change of the invitation). */
export function entryOutbox(
  entry: EntryInput,
  inv: InvitationRecord,
  people: number,
): OutboxEventInput[] {
  return [
    ibdpRow(
      'invitations',
      invitationRecord(inv, 'entry', entry.at, {
        entryEventId: entry.eventId,
        deviceId: entry.deviceId,
        gate: entry.gate,
        admit: people,
      }),
      entry.at,
    ),
  ];
}

/**
 * Records a batch of entry events, idempotent by eventId. The event's `admit` is people
 * (1 + guests); the store counts entries, so a grant is one entry and an annulment gives one
 * back.
 */
export async function recordEntries(
  deps: AppDeps,
  entries: EntryEventBody[],
): Promise<{ applied: number; duplicates: number; unknown: number }> {
  const people = new Map(entries.map((e) => [e.eventId, e.admit]));
  const inputs: EntryInput[] = entries.map((e) => ({
    eventId: e.eventId,
    invitationId: e.invitationId,
    deviceId: e.deviceId,
    gate: e.gate,
    admit: Math.sign(e.admit),
    at: Date.parse(e.at),
  }));
  const result = await deps.store.recordEntries(inputs, (entry, inv) =>
    entryOutbox(entry, inv, people.get(entry.eventId) ?? entry.admit),
  );
  if (result.applied > 0) deps.notifyOutbox();
  return result;
}
