import type { CloudStore, InvitationRecord } from '../port.ts';
import { filterOf, parseCursor, revocationExp } from '../common.ts';
import { encodeCursor, invitationFromRow, invitationValues, revocationFromRow } from '../rows.ts';
import * as q from '../sql.ts';
import type { SqliteDb } from './connection.ts';
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

/** Invitations and revocations on SQLite; every write is one BEGIN IMMEDIATE. */
export function sqliteInvitations(db: SqliteDb): Invitations {
  const find = (id: string): InvitationRecord | null => {
    const row = db.get('SELECT * FROM invitations WHERE id = ?', id);
    return row ? invitationFromRow(row) : null;
  };
  return {
    async insertInvitation(inv, outbox, now) {
      return db.tx(() => {
        const trip = [inv.customerId, inv.flightNumber, inv.flightDate, inv.loungeId];
        db.run(q.SUPERSEDE_EXPIRED, now, ...trip, now);
        if (db.run(q.INSERT_INVITATION, ...invitationValues(inv)) === 1) {
          insertOutbox(db, outbox);
          return { inserted: true as const };
        }
        const existing = db.get(q.FIND_ACTIVE_INVITATION, ...trip);
        // Only a PRIMARY KEY clash can leave no active row behind a DO NOTHING here.
        if (!existing) throw new Error(`invitation ${inv.id} already exists`);
        return { inserted: false as const, existing: invitationFromRow(existing) };
      });
    },
    async findInvitation(id) {
      return find(id);
    },
    async listInvitations(filter, limit, cursor) {
      const after = cursor === null ? null : parseCursor(cursor);
      const query = q.listInvitationsQuery(filterOf(filter), after, limit + 1);
      const rows = db.all(query.sql, ...query.params);
      const items = rows.slice(0, limit).map(invitationFromRow);
      const last = items[items.length - 1];
      return {
        items,
        nextCursor: rows.length > limit && last ? encodeCursor(last.createdAt, last.id) : null,
      };
    },

    async revokeInvitation(id, reason, now, outbox) {
      return db.tx(() => {
        const inv = find(id);
        if (!inv) return null;
        const existing = db.get('SELECT * FROM revocations WHERE invitation_id = ?', id);
        if (existing) return { revocation: revocationFromRow(existing), created: false };
        const seq = Number(db.get(q.NEXT_REVOCATION_SEQ)!.seq);
        const revocation = {
          seq,
          invitationId: id,
          revokedAt: now,
          reason,
          exp: revocationExp(inv.validUntil),
        };
        db.run(q.INSERT_REVOCATION, seq, id, now, reason, revocation.exp);
        const revoked = invitationFromRow(db.get(q.MARK_REVOKED, now, reason, id)!);
        insertOutbox(db, outbox(revocation, revoked));
        return { revocation, created: true };
      });
    },
    async listRevocations(after, limit) {
      return db
        .all('SELECT * FROM revocations WHERE seq > ? ORDER BY seq LIMIT ?', after, limit)
        .map(revocationFromRow);
    },
    async lastRevocationSeq() {
      return Number(db.get('SELECT seq FROM revocation_counter WHERE id = 1')!.seq);
    },
    async findRevocation(invitationId) {
      const row = db.get('SELECT * FROM revocations WHERE invitation_id = ?', invitationId);
      return row ? revocationFromRow(row) : null;
    },
  };
}
