import type { Clock } from '@lounge/shared';
import type {
  CloudStore,
  LoungeEventInput,
  LoungeEventOutbox,
  LoungeEventOutcome,
} from '../port.ts';
import { invitationFromRow, loungeEventFromRow, loungeEventValues } from '../rows.ts';
import * as q from '../sql.ts';
import type { PgConn, PgDb } from './connection.ts';
import { insertOutbox } from './records.ts';

type LoungeEvents = Pick<
  CloudStore,
  'recordLoungeEvents' | 'findLoungeEvents' | 'invitationLounges' | 'entriesUsed'
>;

const ADD_ENTRY = `UPDATE invitations SET entries_used = GREATEST(0, entries_used + ?::int),
  status = CASE WHEN ?::int > 0 AND status = 'issued' THEN 'used' ELSE status END,
  used_at = CASE WHEN ?::int > 0 AND used_at IS NULL THEN ?::bigint ELSE used_at END
  WHERE id = ?`;

/**
 * Grants before annuls (an annul may name a grant of the same batch), each group by eventId:
 * instances recording overlapping batches take their row locks in one order.
 */
const lockOrder = (a: LoungeEventInput, b: LoungeEventInput): number =>
  Number(a.type === 'annul') - Number(b.type === 'annul') || (a.eventId < b.eventId ? -1 : 1);

async function recordOne(
  c: PgConn,
  e: LoungeEventInput,
  now: number,
  outbox: LoungeEventOutbox,
): Promise<LoungeEventOutcome> {
  let event = e;
  if (e.type === 'annul') {
    const grant = await c.get(q.ANNUL_GRANT, e.eventId, e.annuls, e.deviceId, e.eventId);
    if (!grant) return 'conflict';
    const invitationId = grant.invitation_id === null ? null : String(grant.invitation_id);
    event = { ...e, invitationId, admit: -Number(grant.admit) };
  }
  if ((await c.run(q.INSERT_LOUNGE_EVENT, ...loungeEventValues(e, now))) === 0) return 'duplicate';
  const delta = e.type === 'grant' ? 1 : e.type === 'annul' ? -1 : 0;
  const id = event.invitationId;
  if (delta === 0 || id === null) return 'applied';
  if ((await c.run(ADD_ENTRY, delta, delta, delta, e.at, id)) === 0) return 'applied';
  if (delta < 0) await c.run(q.UNUSE_INVITATION, id);
  const inv = invitationFromRow((await c.get('SELECT * FROM invitations WHERE id = ?', id))!);
  const over = delta > 0 && inv.entriesUsed > inv.entries;
  const others = over ? (await c.all(q.LIVE_GRANTS, id, e.eventId)).map(loungeEventFromRow) : [];
  await insertOutbox(c, outbox(event, inv, others));
  return over ? 'overused' : 'applied';
}

/** Lounge events on PostgreSQL: one transaction per batch. */
export function postgresLoungeEvents(db: PgDb, clock: Clock): LoungeEvents {
  return {
    async recordLoungeEvents(events, outbox) {
      const order = events.map((e, i) => ({ e, i })).sort((a, b) => lockOrder(a.e, b.e));
      return db.tx(async (c) => {
        const outcomes: LoungeEventOutcome[] = new Array(events.length);
        for (const { e, i } of order) outcomes[i] = await recordOne(c, e, clock.now(), outbox);
        return outcomes;
      });
    },
    async findLoungeEvents(eventIds) {
      if (eventIds.length === 0) return [];
      const sql = `SELECT * FROM lounge_events WHERE event_id IN (${q.inList(eventIds.length)})`;
      return (await db.all(sql, ...eventIds)).map(loungeEventFromRow);
    },
    async invitationLounges(ids) {
      if (ids.length === 0) return new Map();
      const sql = `SELECT id, lounge_id FROM invitations WHERE id IN (${q.inList(ids.length)})`;
      const rows = await db.all(sql, ...ids);
      return new Map(rows.map((r) => [String(r.id), String(r.lounge_id)]));
    },
    async entriesUsed(invitationId) {
      const row = await db.get('SELECT entries_used FROM invitations WHERE id = ?', invitationId);
      return row ? Number(row.entries_used) : 0;
    },
  };
}
