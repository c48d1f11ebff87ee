import type { CloudStore } from '../port.ts';
import { invitationFromRow, retirementFromRow, signingKeyValues, toBuffer } from '../rows.ts';
import * as q from '../sql.ts';
import type { SqliteDb } from './connection.ts';
import { insertOutbox } from './records.ts';

type Retirement = Pick<
  CloudStore,
  'retireSigningKey' | 'findSigningKeyRetirement' | 'listInvitationsSignedBy' | 'reissueInvitation'
>;

/** Emergency retirement of a signing key on SQLite (BEGIN IMMEDIATE: one writer at a time). */
export function sqliteRetirement(db: SqliteDb): Retirement {
  return {
    async retireSigningKey(kid, retirement, change) {
      return db.tx(() => {
        const key = db.get('SELECT retired_at FROM signing_keys WHERE kid = ?', kid);
        if (!key) return 'not-found';
        if (key.retired_at !== null) return 'already-retired';
        if (Number(db.get(q.SIGNING_KEY_VERSION)!.version) !== change.expectVersion) return 'stale';
        db.run(q.RETIRE_SIGNING_KEY, retirement.at, retirement.reason, kid);
        if (change.activate)
          db.run(q.ACTIVATE_SIGNING_KEY, change.activate.at, change.activate.kid);
        if (change.insert) db.run(q.INSERT_SIGNING_KEY, ...signingKeyValues(change.insert));
        db.run(q.BUMP_SIGNING_KEY_VERSION);
        insertOutbox(db, change.outbox);
        return 'retired';
      });
    },
    async findSigningKeyRetirement(kid) {
      const row = db.get(q.FIND_SIGNING_KEY_RETIREMENT, kid);
      return row ? retirementFromRow(row) : null;
    },
    async listInvitationsSignedBy(kid, nowMs, limit, afterId) {
      return db.all(q.LIST_SIGNED_BY, kid, nowMs, afterId ?? '', limit).map(invitationFromRow);
    },
    async reissueInvitation(id, fromKid, signed, now, outbox) {
      return db.tx(() => {
        const { kid, token, qrPng, qrSvg } = signed;
        const args = [kid, token, toBuffer(qrPng), qrSvg, id, fromKid, now] as const;
        if (db.run(q.REISSUE_INVITATION, ...args) !== 1) return false;
        db.run(q.COUNT_REISSUED, fromKid);
        insertOutbox(db, outbox);
        return true;
      });
    },
  };
}
