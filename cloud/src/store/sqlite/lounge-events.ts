import type { Clock } from '@lounge/shared';
import type { CloudStore, LoungeEventOutcome } from '../port.ts';
import { invitationFromRow, loungeEventFromRow, loungeEventValues } from '../rows.ts';
import * as q from '../sql.ts';
import type { SqliteDb } from './connection.ts';
import { insertOutbox } from './records.ts';

type LoungeEvents = Pick<
  CloudStore,
  'recordLoungeEvents' | 'findLoungeEvents' | 'invitationLounges' | 'entriesUsed'
>;

const ADD_ENTRY = `UPDATE invitations SET entries_used = max(0, entries_used + ?),
  status = CASE WHEN ? > 0 AND status = 'issued' THEN 'used' ELSE status END,
  used_at = CASE WHEN ? > 0 AND used_at IS NULL THEN ? ELSE used_at END
  WHERE id = ?`;

/** Lounge events on SQLite: one BEGIN IMMEDIATE per batch. */
export function sqliteLoungeEvents(db: SqliteDb, clock: Clock): LoungeEvents {
  return {
    async recordLoungeEvents(events, outbox) {
      return db.tx(() =>
        events.map((e): LoungeEventOutcome => {
          let event = e;
          if (e.type === 'annul') {
            const grant = db.get(q.ANNUL_GRANT, e.eventId, e.annuls, e.deviceId, e.eventId);
            if (!grant) return 'conflict';
            const invitationId = grant.invitation_id === null ? null : String(grant.invitation_id);
            event = { ...e, invitationId, admit: -Number(grant.admit) };
          }
          if (db.run(q.INSERT_LOUNGE_EVENT, ...loungeEventValues(e, clock.now())) === 0) {
            return 'duplicate';
          }
          const delta = e.type === 'grant' ? 1 : e.type === 'annul' ? -1 : 0;
          if (delta === 0 || event.invitationId === null) return 'applied';
          const id = event.invitationId;
          if (db.run(ADD_ENTRY, delta, delta, delta, e.at, id) === 0) return 'applied';
          if (delta < 0) db.run(q.UNUSE_INVITATION, id);
          const inv = invitationFromRow(db.get('SELECT * FROM invitations WHERE id = ?', id)!);
          const over = delta > 0 && inv.entriesUsed > inv.entries;
          const others = over ? db.all(q.LIVE_GRANTS, id, e.eventId).map(loungeEventFromRow) : [];
          insertOutbox(db, outbox(event, inv, others));
          return over ? 'overused' : 'applied';
        }),
      );
    },
    async findLoungeEvents(eventIds) {
      if (eventIds.length === 0) return [];
      const sql = `SELECT * FROM lounge_events WHERE event_id IN (${q.inList(eventIds.length)})`;
      return db.all(sql, ...eventIds).map(loungeEventFromRow);
    },
    async invitationLounges(ids) {
      if (ids.length === 0) return new Map();
      const sql = `SELECT id, lounge_id FROM invitations WHERE id IN (${q.inList(ids.length)})`;
      return new Map(db.all(sql, ...ids).map((r) => [String(r.id), String(r.lounge_id)]));
    },
    async entriesUsed(invitationId) {
      const row = db.get('SELECT entries_used FROM invitations WHERE id = ?', invitationId);
      return row ? Number(row.entries_used) : 0;
    },
  };
}
