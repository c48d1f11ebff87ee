import type { Clock } from '@lounge/shared';
import type { CloudStore, OutboxEventInput } from '../port.ts';
import {
  IDEMPOTENCY_TTL_MS,
  PRUNE_EVERY_MS,
  answerOf,
  idempotencyReclaimable,
  throttle,
} from '../common.ts';
import {
  idempotencyFromRow,
  loungeFromRow,
  loungeValues,
  outboxValues,
  signingKeyFromRow,
} from '../rows.ts';
import * as q from '../sql.ts';
import type { PgConn, PgDb } from './connection.ts';

type Records = Pick<
  CloudStore,
  | 'getOrCreateSecret'
  | 'replaceSecret'
  | 'upsertLounge'
  | 'findLounge'
  | 'listLounges'
  | 'insertSigningKey'
  | 'listSigningKeys'
  | 'signingKeysVersion'
  | 'noteTokenSigned'
  | 'claimIdempotencyKey'
  | 'completeIdempotencyKey'
  | 'releaseIdempotencyKey'
>;

/** Writes outbox rows; call with the transaction that makes the change. */
export async function insertOutbox(c: PgConn, events: OutboxEventInput[]): Promise<void> {
  for (const e of events) await c.run(q.INSERT_OUTBOX, ...outboxValues(e));
}

/** Secrets, lounges, signing keys and idempotency keys on PostgreSQL. */
export function postgresRecords(db: PgDb, clock: Clock): Records {
  const pruneDue = throttle(PRUNE_EVERY_MS);
  return {
    async getOrCreateSecret(name, create) {
      const found = await db.get('SELECT value FROM secrets WHERE name = ?', name);
      if (found) return String(found.value);
      // Two instances racing: ON CONFLICT keeps the first, and both read it back.
      await db.run(
        'INSERT INTO secrets (name, value, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING',
        name,
        create(),
        clock.now(),
      );
      return String((await db.get('SELECT value FROM secrets WHERE name = ?', name))!.value);
    },

    async replaceSecret(name, expected, value) {
      const changed = await db.run(
        'UPDATE secrets SET value = ? WHERE name = ? AND value = ?',
        value,
        name,
        expected,
      );
      return changed === 1;
    },

    async upsertLounge(l, outbox = []) {
      const row = await db.tx(async (c) => {
        const saved = await c.get(q.UPSERT_LOUNGE, ...loungeValues(l));
        await insertOutbox(c, outbox);
        return saved;
      });
      return loungeFromRow(row!);
    },
    async findLounge(id) {
      const row = await db.get('SELECT * FROM lounges WHERE id = ?', id);
      return row ? loungeFromRow(row) : null;
    },
    async listLounges() {
      return (await db.all('SELECT * FROM lounges ORDER BY id')).map(loungeFromRow);
    },

    async insertSigningKey(k, outbox, activate) {
      await db.tx(async (c) => {
        if (activate) await c.run(q.ACTIVATE_SIGNING_KEY, activate.at, activate.kid);
        await c.run(q.BUMP_SIGNING_KEY_VERSION);
        await c.run(
          `INSERT INTO signing_keys (kid, public_jwk, sealed_private_key, created_at, activates_at,
             last_token_exp_s, retired_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
          k.kid,
          k.publicJwk,
          k.sealedPrivateKey,
          k.createdAt,
          k.activatesAt,
          k.lastTokenExp,
          k.retiredAt,
        );
        await insertOutbox(c, outbox);
      });
    },
    async listSigningKeys() {
      const rows = await db.all('SELECT * FROM signing_keys ORDER BY activates_at, kid');
      return rows.map(signingKeyFromRow);
    },
    async signingKeysVersion() {
      return Number((await db.get(q.SIGNING_KEY_VERSION))!.version);
    },
    async noteTokenSigned(kid, expSeconds) {
      await db.run(
        `UPDATE signing_keys SET last_token_exp_s = ? WHERE kid = ?
           AND (last_token_exp_s IS NULL OR last_token_exp_s < ?)`,
        expSeconds,
        kid,
        expSeconds,
      );
    },

    async claimIdempotencyKey(scope, key, requestHash, now) {
      if (pruneDue(now)) {
        await db.run('DELETE FROM idempotency_keys WHERE created_at < ?', now - IDEMPOTENCY_TTL_MS);
      }
      // Fast path for requests polling a key someone else holds: a read, no write lock.
      const seen = await db.get(
        'SELECT * FROM idempotency_keys WHERE scope = ? AND key = ?',
        scope,
        key,
      );
      if (seen) {
        const record = idempotencyFromRow(seen);
        if (!idempotencyReclaimable(record, now)) return answerOf(record);
      }
      return db.tx(async (c) => {
        for (;;) {
          // A concurrent claim of the same key waits here until the first commits, then loses.
          const inserted = await c.run(
            `INSERT INTO idempotency_keys (scope, key, request_hash, created_at)
             VALUES (?, ?, ?, ?) ON CONFLICT (scope, key) DO NOTHING`,
            scope,
            key,
            requestHash,
            now,
          );
          if (inserted) return { state: 'claimed' as const };
          const row = await c.get(
            'SELECT * FROM idempotency_keys WHERE scope = ? AND key = ? FOR UPDATE',
            scope,
            key,
          );
          if (!row) continue; // released in between: try to take it again
          const record = idempotencyFromRow(row);
          if (idempotencyReclaimable(record, now)) {
            await c.run(
              `UPDATE idempotency_keys SET request_hash = ?, created_at = ?, response_status = NULL,
                 response_body = NULL WHERE scope = ? AND key = ?`,
              requestHash,
              now,
              scope,
              key,
            );
            return { state: 'claimed' as const };
          }
          return answerOf(record);
        }
      });
    },
    async completeIdempotencyKey(scope, key, status, body) {
      await db.run(
        'UPDATE idempotency_keys SET response_status = ?, response_body = ? WHERE scope = ? AND key = ?',
        status,
        body,
        scope,
        key,
      );
    },
    async releaseIdempotencyKey(scope, key) {
      await db.run(
        'DELETE FROM idempotency_keys WHERE scope = ? AND key = ? AND response_status IS NULL',
        scope,
        key,
      );
    },
  };
}
