import {
  checkLoungeEvent,
  type EventContext,
  type EventRefusalCode,
  type KnownGrant,
} from '@lounge/shared';
import { prep, type Db } from './db.ts';
import type { InvitationStore } from './invitations.ts';

/** What a lounge event received from the lounge topic did here. */
export type PeerEventResult =
  | 'applied'
  | 'duplicate'
  /** One of our own events coming back from the broker. */
  | 'echo'
  | { refused: EventRefusalCode; detail: string };

interface StoredRow {
  kind: string | null;
  device_id: string;
  invitation_id: string;
  at_ms: number | null;
  applied_at: number;
  annulled_by: string | null;
  people: number;
  counts_at: number | null;
}

/**
 * Lounge events of the other boxes of the lounge (SPEC.md 8: every box applies the checks of
 * `POST /v1/entries`), in one transaction each. What an edge can tell: the shape (`admit` an
 * integer >= 1), that an annul names a grant of the same device made at most 5 min before it
 * and not yet annulled, and that nobody else speaks as this box. It cannot tell an
 * invitation's lounge nor every device of the lounge (the cloud checks those, docs/sync.md).
 */
export class PeerEvents {
  constructor(
    private readonly db: Db,
    private readonly invitations: InvitationStore,
    private readonly self: { deviceId: string; loungeId: string },
  ) {}

  /** Checks and applies one event received on the lounge's entries topic. */
  apply(raw: unknown, nowMs: number): PeerEventResult {
    return this.db.transaction((): PeerEventResult => this.applyNow(raw, nowMs)).immediate();
  }

  private applyNow(raw: unknown, nowMs: number): PeerEventResult {
    const claimed = raw as { eventId?: unknown; deviceId?: unknown } | null;
    const ours = claimed?.deviceId === this.self.deviceId;
    if (ours && typeof claimed.eventId === 'string' && this.find(claimed.eventId)) return 'echo';
    const ctx: EventContext = {
      loungeId: this.self.loungeId,
      // Our own events never come from a peer: one that claims to is forged.
      mayAuthor: (deviceId) => (deviceId === this.self.deviceId ? false : undefined),
      invitationLounge: () => undefined,
      isStored: (eventId) => this.find(eventId) !== undefined,
      grant: (eventId) => this.grant(eventId),
    };
    const check = checkLoungeEvent(raw, ctx);
    if (check.verdict === 'refuse') return { refused: check.code, detail: check.detail };
    if (check.verdict === 'duplicate') return 'duplicate';
    const e = check.event;
    const at = { kind: e.type, atMs: Date.parse(e.at) };
    // `people` moves the inside count (SPEC.md 8, occupancy); an annul counts with its grant.
    const record = (invitationId: string, delta: number, people: number, countsAt?: number) =>
      this.invitations.recordEntry(e.eventId, invitationId, e.deviceId, delta, nowMs, {
        ...at,
        people,
        ...(countsAt !== undefined && { countsAt }),
      });
    if (e.type === 'grant') {
      record(e.invitationId ?? '', e.invitationId === null ? 0 : 1, e.admit);
    } else if (e.type === 'annul') {
      const target = this.find(e.annuls)!;
      prep(this.db, 'UPDATE entry_events SET annulled_by = ? WHERE event_id = ?').run(
        e.eventId,
        e.annuls,
      );
      const delta = target.invitation_id === '' ? 0 : -1;
      record(target.invitation_id, delta, -target.people, target.counts_at ?? target.applied_at);
    } else if (e.type === 'exit') record('', 0, -e.count);
    else record('', 0, e.delta);
    return 'applied';
  }

  private find(eventId: string): StoredRow | undefined {
    return prep<[string], StoredRow>(
      this.db,
      `SELECT kind, device_id, invitation_id, at_ms, applied_at, annulled_by, people, counts_at
         FROM entry_events WHERE event_id = ?`,
    ).get(eventId);
  }

  private grant(eventId: string): KnownGrant | null {
    const row = this.find(eventId);
    if (!row || row.kind !== 'grant') return null;
    return {
      deviceId: row.device_id,
      atMs: row.at_ms ?? row.applied_at,
      annulledBy: row.annulled_by,
    };
  }
}
