import type { CloudStore } from '../port.ts';
import { invitationFromRow, retirementFromRow, signingKeyValues, toBuffer } from '../rows.ts';
import * as q from '../sql.ts';
import type { PgDb } from './connection.ts';
import { insertOutbox } from './records.ts';

type Retirement = Pick<
  CloudStore,
  'retireSigningKey' | 'findSigningKeyRetirement' | 'listInvitationsSignedBy' | 'reissueInvitation'
>;

/** Emergency retirement of a signing key on PostgreSQL (the version row is the lock). */
export function postgresRetirement(db: PgDb): Retirement {
  return {
    async retireSigningKey(kid, retirement, change) {
      return db.tx(async (c) => {
        // Every change to the key set bumps this row: locking it first serialises them.
        const version = await c.get(`${q.SIGNING_KEY_VERSION} FOR UPDATE`);
        const key = await c.get('SELECT retired_at FROM signing_keys WHERE kid = ?', kid);
        if (!key) return 'not-found';
        if (key.retired_at !== null) return 'already-retired';
        if (Number(version!.version) !== change.expectVersion) return 'stale';
        await c.run(q.RETIRE_SIGNING_KEY, retirement.at, retirement.reason, kid);
        if (change.activate) {
          await c.run(q.ACTIVATE_SIGNING_KEY, change.activate.at, change.activate.kid);
        }
        if (change.insert) await c.run(q.INSERT_SIGNING_KEY, ...signingKeyValues(change.insert));
        await c.run(q.BUMP_SIGNING_KEY_VERSION);
        await insertOutbox(c, change.outbox);
        return 'retired';
      });
    },
    async findSigningKeyRetirement(kid) {
      const row = await db.get(q.FIND_SIGNING_KEY_RETIREMENT, kid);
      return row ? retirementFromRow(row) : null;
    },
    async listInvitationsSignedBy(kid, nowMs, limit, afterId) {
      const rows = await db.all(q.LIST_SIGNED_BY, kid, nowMs, afterId ?? '', limit);
      return rows.map(invitationFromRow);
    },
    async reissueInvitation(id, fromKid, signed, now, outbox) {
      return db.tx(async (c) => {
        const { kid, token, qrPng, qrSvg } = signed;
        const args = [kid, token, toBuffer(qrPng), qrSvg, id, fromKid, now] as const;
        // The UPDATE's row lock orders it against a concurrent revocation or reissue.
        if ((await c.run(q.REISSUE_INVITATION, ...args)) !== 1) return false;
        await c.run(q.COUNT_REISSUED, fromKid);
        await insertOutbox(c, outbox);
        return true;
      });
    },
  };
}
