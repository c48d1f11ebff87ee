import { columnTypes, type Migration } from './types.ts';

/**
 * Outbox batches and sequenced queues, and the signing-key set's version.
 * - `outbox.batch_id`: an IBDP batch's id, written before its first send, so a retry (by this
 *   or another instance) sends the same members under the same Idempotency-Key.
 * - `outbox.order_seq`: the position within an ordered queue when it is not creation order
 *   (revocations: their seq, taken under a lock, not the clock read before it).
 * - `signing_key_version`: bumped with every change to the key set; instances compare it to
 *   know when to re-read their cached keys (SPEC.md section 4: a change shows within 1 s).
 */
export const outboxBatchesAndKeyVersion: Migration = {
  id: 3,
  name: 'outbox-batches-and-key-version',
  up(dialect) {
    const { ms } = columnTypes(dialect);
    return [
      `ALTER TABLE outbox ADD COLUMN batch_id TEXT`,
      `ALTER TABLE outbox ADD COLUMN order_seq ${ms}`,
      `CREATE INDEX outbox_batch ON outbox (batch_id) WHERE batch_id IS NOT NULL
        AND delivered_at IS NULL`,
      `CREATE TABLE signing_key_version (
        id INTEGER PRIMARY KEY CHECK (id = 1), version ${ms} NOT NULL)`,
      `INSERT INTO signing_key_version (id, version) VALUES (1, 1)`,
    ];
  },
};
