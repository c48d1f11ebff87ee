import type { InvitationState, RevocationMessage } from '@lounge/shared';
import { prep, type Db } from './db.ts';
import { META, MetaStore } from './meta.ts';

/** A local grant decision row (annulment and turnstile retries read it). */
export interface GrantRow {
  eventId: string;
  invitationId: string;
  gate: string;
  atMs: number;
  admit: number;
  entriesLeft: number;
  annulledAt: number | null;
  annulEventId: string | null;
}

interface GrantDbRow {
  event_id: string;
  invitation_id: string;
  gate: string;
  at_ms: number;
  admit: number;
  entries_left: number;
  annulled_at: number | null;
  annul_event_id: string | null;
}

const toGrant = (r: GrantDbRow): GrantRow => ({
  eventId: r.event_id,
  invitationId: r.invitation_id,
  gate: r.gate,
  atMs: r.at_ms,
  admit: r.admit,
  entriesLeft: r.entries_left,
  annulledAt: r.annulled_at,
  annulEventId: r.annul_event_id,
});

export type RevocationResult = 'applied' | 'duplicate' | 'gap';

/**
 * Per-invitation state: revocations, entries consumed across the lounge, local grants.
 * Methods without their own transaction are meant to run inside the caller's.
 */
export class InvitationStore {
  private readonly meta: MetaStore;

  constructor(private readonly db: Db) {
    this.meta = new MetaStore(db);
  }

  /** What `decide()` needs about one invitation. */
  stateOf(invitationId: string): InvitationState {
    const revoked = prep(this.db, 'SELECT 1 FROM revocations WHERE invitation_id = ?').get(
      invitationId,
    );
    const used = prep<[string], { entries_used: number }>(
      this.db,
      'SELECT entries_used FROM consumption WHERE invitation_id = ?',
    ).get(invitationId);
    return { revoked: revoked !== undefined, entriesUsed: used?.entries_used ?? 0 };
  }

  /** Highest revocation seq applied so far (0 before the first). */
  revocationSeq(): number {
    return this.meta.getNumber(META.revocationSeq) ?? 0;
  }

  /** Applies a revocation only when it is the next seq (SPEC.md 6); the sync handles gaps. */
  applyRevocation(msg: RevocationMessage): RevocationResult {
    return this.db
      .transaction((): RevocationResult => {
        const seq = this.revocationSeq();
        if (msg.seq <= seq) return 'duplicate';
        if (msg.seq !== seq + 1) return 'gap';
        prep(
          this.db,
          `INSERT INTO revocations (invitation_id, seq, exp, revoked_at, reason)
           VALUES (?, ?, ?, ?, ?) ON CONFLICT (invitation_id) DO UPDATE SET seq = excluded.seq`,
        ).run(msg.invitationId, msg.seq, msg.exp, msg.revokedAt, msg.reason);
        this.meta.set(META.revocationSeq, String(msg.seq));
        return 'applied';
      })
      .immediate();
  }

  /** Drops revocations of tokens expired before `beforeSeconds`; they can no longer scan. */
  pruneRevocations(beforeSeconds: number): number {
    return prep(this.db, 'DELETE FROM revocations WHERE exp < ?').run(beforeSeconds).changes;
  }

  /**
   * Records a lounge event (ours or a peer's) and moves consumption by `delta` (a grant takes
   * one entry, an annul gives one back); false if already recorded. `kind` defaults from the
   * delta, `atMs` (the event's time) to `nowMs`. Events without an invitation (code-less
   * grants, exits, adjusts) are recorded with invitation '' and delta 0. `people` is how the
   * event moves the inside count and `countsAt` the instant that decides whether it counts
   * since the last closing (default `atMs`; an annul passes its grant's).
   */
  recordEntry(
    eventId: string,
    invitationId: string,
    deviceId: string,
    delta: number,
    nowMs: number,
    event: { kind?: string; atMs?: number; people?: number; countsAt?: number } = {},
  ): boolean {
    const kind = event.kind ?? (delta > 0 ? 'grant' : 'annul');
    const atMs = event.atMs ?? nowMs;
    const inserted = prep(
      this.db,
      `INSERT INTO entry_events (event_id, invitation_id, device_id, delta, applied_at, kind, at_ms,
         people, counts_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_id) DO NOTHING`,
    ).run(
      eventId,
      invitationId,
      deviceId,
      delta,
      nowMs,
      kind,
      atMs,
      event.people ?? 0,
      event.countsAt ?? atMs,
    );
    if (inserted.changes === 0 || delta === 0) return inserted.changes > 0;
    prep(
      this.db,
      `INSERT INTO consumption (invitation_id, entries_used, updated_at) VALUES (?, max(0, ?), ?)
         ON CONFLICT (invitation_id) DO UPDATE
         SET entries_used = max(0, entries_used + ?), updated_at = excluded.updated_at`,
    ).run(invitationId, delta, nowMs, delta);
    return true;
  }

  insertGrant(g: Omit<GrantRow, 'annulledAt' | 'annulEventId'>): void {
    prep(
      this.db,
      `INSERT INTO grants (event_id, invitation_id, gate, at_ms, admit, entries_left)
         VALUES (?, ?, ?, ?, ?, ?)`,
    ).run(g.eventId, g.invitationId, g.gate, g.atMs, g.admit, g.entriesLeft);
  }

  findGrant(eventId: string): GrantRow | undefined {
    const row = prep<[string], GrantDbRow>(this.db, 'SELECT * FROM grants WHERE event_id = ?').get(
      eventId,
    );
    return row && toGrant(row);
  }

  markAnnulled(eventId: string, atMs: number, annulEventId: string): void {
    prep(this.db, 'UPDATE grants SET annulled_at = ?, annul_event_id = ? WHERE event_id = ?').run(
      atMs,
      annulEventId,
      eventId,
    );
  }
}
