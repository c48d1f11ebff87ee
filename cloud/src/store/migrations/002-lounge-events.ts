import { columnTypes, type Migration } from './types.ts';

/**
 * Lounge events (SPEC.md 8) replace the entries table: every accepted grant, annul, exit and
 * adjust, idempotent by event id. An annul names its grant (`annuls`), and the grant keeps
 * the annul that gave it back (`annulled_by`), so no grant is given back twice. Old entries
 * come across as grants (admit > 0) and as annuls without a known grant (admit < 0).
 */
export const loungeEvents: Migration = {
  id: 2,
  name: 'lounge-events',
  up(dialect) {
    const { ms } = columnTypes(dialect);
    return [
      `CREATE TABLE lounge_events (
        event_id TEXT PRIMARY KEY, type TEXT NOT NULL, lounge_id TEXT NOT NULL,
        device_id TEXT NOT NULL, gate TEXT NOT NULL, at ${ms} NOT NULL,
        invitation_id TEXT, admit INTEGER, annuls TEXT, annulled_by TEXT,
        payload TEXT NOT NULL, recorded_at ${ms} NOT NULL)`,
      `CREATE INDEX lounge_events_invitation ON lounge_events (invitation_id)`,
      `INSERT INTO lounge_events (event_id, type, lounge_id, device_id, gate, at, invitation_id,
         admit, payload, recorded_at)
       SELECT e.event_id, CASE WHEN e.admit > 0 THEN 'grant' ELSE 'annul' END, i.lounge_id,
         e.device_id, e.gate, e.at, e.invitation_id, e.admit, '{}', e.at
       FROM entries e JOIN invitations i ON i.id = e.invitation_id`,
      `DROP TABLE entries`,
    ];
  },
};
