import type { Migration } from './types.ts';

/**
 * Indexes that keep the outbox flat as its backlog grows (docs/cloud-store.md, "Outbox plans"):
 * a lane's claim (`kind = ? … ORDER BY created_at, id LIMIT n`) reads the lane's undelivered
 * rows in claim order and stops after `n` due ones, instead of sorting the whole backlog; lease
 * renewal (`locked_by = ?`) reads only the rows its worker holds.
 */
export const outboxIndexes: Migration = {
  id: 5,
  name: 'outbox-indexes',
  up() {
    return [
      `CREATE INDEX outbox_lane ON outbox (kind, created_at, id) WHERE delivered_at IS NULL`,
      `CREATE INDEX outbox_locked_by ON outbox (locked_by) WHERE delivered_at IS NULL`,
    ];
  },
};
