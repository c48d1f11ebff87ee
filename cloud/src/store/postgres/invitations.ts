import type { CloudStore, InvitationRecord } from '../port.ts';
import { filterOf, parseCursor, revocationExp } from '../common.ts';
import { encodeCursor, invitationFromRow, invitationValues, revocationFromRow } from '../rows.ts';
import * as q from '../sql.ts';
import type { PgConn, PgDb } from './connection.ts';
import { insertOutbox } from './records.ts';

type Invitations = Pick<
  CloudStore,
  | 'insertInvitation'
  | 'findInvitation'
  | 'listInvitations'
  | 'revokeInvitation'
  | 'listRevocations'
  | 'lastRevocationSeq'
  | 'findRevocation'
>;

async function find(c: PgConn, id: string, lock = false): Promise<InvitationRecord | null> {
  const row = await c.get(`SELECT * FROM invitations WHERE id = ?${lock ? ' FOR UPDATE' : ''}`, id);
  return row ? invitationFromRow(row) : null;
}

/** Invitations and revocations on PostgreSQL (READ COMMITTED plus row locks). */
export function postgresInvitations(db: PgDb): Invitations {
  return {
    async insertInvitation(inv, outbox, now) {
      return db.tx(async (c) => {
        const trip = [inv.customerId, inv.flightNumber, inv.flightDate, inv.loungeId];
        await c.run(q.SUPERSEDE_EXPIRED, now, ...trip, now);
        // A racing insert for the same trip makes this wait, then DO NOTHING once it commits.
        for (let attempt = 0; attempt < 3; attempt++) {
          if ((await c.run(q.INSERT_INVITATION, ...invitationValues(inv))) === 1) {
            await insertOutbox(c, outbox);
            return { inserted: true as const };
          }
          // Each statement sees the latest commits: the winner, unless it was revoked meanwhile.
          const existing = await c.get(q.FIND_ACTIVE_INVITATION, ...trip);
          if (existing) return { inserted: false as const, existing: invitationFromRow(existing) };
        }
        throw new Error(`invitation ${inv.id} already exists`);
      });
    },
    async findInvitation(id) {
      return find(db, id);
    },
    async listInvitations(filter, limit, cursor) {
      const after = cursor === null ? null : parseCursor(cursor);
      const query = q.listInvitationsQuery(filterOf(filter), after, limit + 1);
      const rows = await db.all(query.sql, ...query.params);
      const items = rows.slice(0, limit).map(invitationFromRow);
      const last = items[items.length - 1];
      return {
        items,
        nextCursor: rows.length > limit && last ? encodeCursor(last.createdAt, last.id) : null,
      };
    },

    async revokeInvitation(id, reason, now, outbox) {
      return db.tx(async (c) => {
        // Lock order everywhere: invitation row, then the counter row.
        const inv = await find(c, id, true);
        if (!inv) return null;
        const existing = await c.get('SELECT * FROM revocations WHERE invitation_id = ?', id);
        if (existing) return { revocation: revocationFromRow(existing), created: false };
        // The counter row lock is held to COMMIT: seqs are gap-free and commit in order.
        const seq = Number((await c.get(q.NEXT_REVOCATION_SEQ))!.seq);
        const revocation = {
          seq,
          invitationId: id,
          revokedAt: now,
          reason,
          exp: revocationExp(inv.validUntil),
        };
        await c.run(q.INSERT_REVOCATION, seq, id, now, reason, revocation.exp);
        const revoked = invitationFromRow((await c.get(q.MARK_REVOKED, now, reason, id))!);
        await insertOutbox(c, outbox(revocation, revoked));
        return { revocation, created: true };
      });
    },
    async listRevocations(after, limit) {
      const rows = await db.all(
        'SELECT * FROM revocations WHERE seq > ? ORDER BY seq LIMIT ?',
        after,
        limit,
      );
      return rows.map(revocationFromRow);
    },
    async lastRevocationSeq() {
      return Number((await db.get('SELECT seq FROM revocation_counter WHERE id = 1'))!.seq);
    },
    async findRevocation(invitationId) {
      const row = await db.get('SELECT * FROM revocations WHERE invitation_id = ?', invitationId);
      return row ? revocationFromRow(row) : null;
    },
  };
}
