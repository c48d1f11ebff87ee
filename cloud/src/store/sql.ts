// SQL text both adapters share (written with `?`; the PostgreSQL adapter numbers them).
import type { InvitationFilter } from './port.ts';
import { INVITATION_COLUMNS } from './rows.ts';

/** Takes an expired active invitation for the same trip out of the ALREADY_INVITED index. */
export const SUPERSEDE_EXPIRED = `UPDATE invitations SET superseded_at = ?
  WHERE customer_id = ? AND flight_number = ? AND flight_date = ? AND lounge_id = ?
    AND status = 'issued' AND superseded_at IS NULL AND valid_until <= ?`;

export const INSERT_INVITATION = `INSERT INTO invitations (${INVITATION_COLUMNS})
  VALUES (${INVITATION_COLUMNS.split(',')
    .map(() => '?')
    .join(', ')})
  ON CONFLICT (customer_id, flight_number, flight_date, lounge_id)
    WHERE status = 'issued' AND superseded_at IS NULL DO NOTHING`;

export const FIND_ACTIVE_INVITATION = `SELECT * FROM invitations
  WHERE customer_id = ? AND flight_number = ? AND flight_date = ? AND lounge_id = ?
    AND status = 'issued' AND superseded_at IS NULL`;

/**
 * `SELECT` for a page of invitations: newest first, keyset paging on (created_at, id), one
 * condition per filter field. Parameters are bound, never spliced.
 */
export function listInvitationsQuery(
  filter: InvitationFilter,
  after: { createdAt: number; id: string } | null,
  limit: number,
): { sql: string; params: (string | number)[] } {
  const where: string[] = [];
  const params: (string | number)[] = [];
  const add = (condition: string, ...values: (string | number)[]): void => {
    where.push(condition);
    params.push(...values);
  };
  if (filter.customerId !== undefined) add('customer_id = ?', filter.customerId);
  if (filter.loungeId !== undefined) add('lounge_id = ?', filter.loungeId);
  if (filter.from !== undefined) add('flight_date >= ?', filter.from);
  if (filter.to !== undefined) add('flight_date <= ?', filter.to);
  const now = filter.nowMs ?? 0;
  if (filter.status === 'issued') add(`status = 'issued' AND valid_until > ?`, now);
  else if (filter.status === 'expired') add(`status = 'issued' AND valid_until <= ?`, now);
  else if (filter.status !== undefined) add('status = ?', filter.status);
  if (after)
    add(
      '(created_at < ? OR (created_at = ? AND id < ?))',
      after.createdAt,
      after.createdAt,
      after.id,
    );
  const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
  return {
    sql: `SELECT * FROM invitations ${clause} ORDER BY created_at DESC, id DESC LIMIT ?`,
    params: [...params, limit],
  };
}

export const INSERT_REVOCATION = `INSERT INTO revocations (seq, invitation_id, revoked_at, reason, exp_s)
  VALUES (?, ?, ?, ?, ?)`;
export const MARK_REVOKED = `UPDATE invitations SET status = 'revoked', revoked_at = ?, revoke_reason = ?
  WHERE id = ? RETURNING *`;
export const NEXT_REVOCATION_SEQ = `UPDATE revocation_counter SET seq = seq + 1 WHERE id = 1
  RETURNING seq`;

export const INSERT_LOUNGE_EVENT = `INSERT INTO lounge_events (event_id, type, lounge_id,
  device_id, gate, at, invitation_id, admit, annuls, payload, recorded_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_id) DO NOTHING`;

/** Marks a grant annulled by this annul (again, on a retry); no row when another annul won. */
export const ANNUL_GRANT = `UPDATE lounge_events SET annulled_by = ?
  WHERE event_id = ? AND type = 'grant' AND device_id = ?
    AND (annulled_by IS NULL OR annulled_by = ?)
  RETURNING invitation_id, admit`;

/** The other grants holding an invitation's entries (a grant took it past `entries`). */
export const LIVE_GRANTS = `SELECT * FROM lounge_events
  WHERE invitation_id = ? AND type = 'grant' AND annulled_by IS NULL AND event_id <> ?
  ORDER BY at, event_id`;

/** `?, ?, …` for an IN list of `n` values. */
export const inList = (n: number): string => Array(n).fill('?').join(', ');

/** After an annulment gave every entry back: the invitation is unused again (if no other took its place). */
export const UNUSE_INVITATION = `UPDATE invitations SET status = 'issued', used_at = NULL
  WHERE id = ? AND status = 'used' AND entries_used = 0 AND superseded_at IS NULL
    AND NOT EXISTS (SELECT 1 FROM invitations o
      WHERE o.customer_id = invitations.customer_id AND o.flight_number = invitations.flight_number
        AND o.flight_date = invitations.flight_date AND o.lounge_id = invitations.lounge_id
        AND o.status = 'issued' AND o.superseded_at IS NULL)`;

/** A rotation promoting the standby: it signs from `at`. */
export const ACTIVATE_SIGNING_KEY = `UPDATE signing_keys SET activates_at = ? WHERE kid = ?`;
export const BUMP_SIGNING_KEY_VERSION = `UPDATE signing_key_version SET version = version + 1
  WHERE id = 1`;
export const SIGNING_KEY_VERSION = `SELECT version FROM signing_key_version WHERE id = 1`;
export const INSERT_SIGNING_KEY = `INSERT INTO signing_keys (kid, public_jwk, sealed_private_key,
  created_at, activates_at, last_token_exp_s, retired_at) VALUES (?, ?, ?, ?, ?, ?, ?)`;
export const RETIRE_SIGNING_KEY = `UPDATE signing_keys SET retired_at = ?, retire_reason = ?
  WHERE kid = ? AND retired_at IS NULL`;
export const FIND_SIGNING_KEY_RETIREMENT = `SELECT kid, retired_at, retire_reason, reissued
  FROM signing_keys WHERE kid = ? AND retired_at IS NOT NULL`;

// An active invitation (SPEC.md 5, retirement): issued or used with entries left, not revoked,
// not expired. `?` order: kid, now.
const ACTIVE_SIGNED_BY = `kid = ? AND status IN ('issued', 'used') AND entries_used < entries
  AND valid_until > ?`;
export const LIST_SIGNED_BY = `SELECT * FROM invitations WHERE ${ACTIVE_SIGNED_BY} AND id > ?
  ORDER BY id LIMIT ?`;
export const REISSUE_INVITATION = `UPDATE invitations SET kid = ?, token = ?, qr_png = ?, qr_svg = ?
  WHERE id = ? AND ${ACTIVE_SIGNED_BY}`;
export const COUNT_REISSUED = `UPDATE signing_keys SET reissued = reissued + 1 WHERE kid = ?`;

export const INSERT_OUTBOX = `INSERT INTO outbox
  (id, kind, order_key, order_seq, payload, created_at, next_attempt_at)
  VALUES (?, ?, ?, ?, ?, ?, ?)`;

// Queue order within one (kind, order_key): order_seq first (a sequenced queue), then creation.
const before = (
  p: string,
  o: string,
): string => `(COALESCE(${p}.order_seq, 0) < COALESCE(${o}.order_seq, 0)
  OR (COALESCE(${p}.order_seq, 0) = COALESCE(${o}.order_seq, 0) AND (${p}.created_at < ${o}.created_at
    OR (${p}.created_at = ${o}.created_at AND ${p}.id < ${o}.id))))`;

/** Due, unleased, undelivered events that are the head of their (kind, order_key) queue. */
export function dueOutbox(kinds: number): string {
  const kindFilter = kinds > 0 ? `AND o.kind IN (${Array(kinds).fill('?').join(', ')})` : '';
  return `SELECT o.id, o.kind, o.order_key, o.order_seq, o.batch_id FROM outbox o
    WHERE o.delivered_at IS NULL AND o.next_attempt_at <= ?
      AND (o.locked_until IS NULL OR o.locked_until <= ?) ${kindFilter}
      AND (o.order_key IS NULL OR NOT EXISTS (SELECT 1 FROM outbox p
        WHERE p.kind = o.kind AND p.order_key = o.order_key AND p.delivered_at IS NULL
          AND ${before('p', 'o')}))
    ORDER BY o.created_at, o.id LIMIT ?`;
}

/** The undelivered rows of one queue, in queue order (to extend a claim along a sequenced queue). */
export const OUTBOX_QUEUE = `SELECT id, next_attempt_at, locked_until FROM outbox
  WHERE kind = ? AND order_key = ? AND delivered_at IS NULL
  ORDER BY COALESCE(order_seq, 0), created_at, id LIMIT ?`;

/** The undelivered members of a batch. */
export const OUTBOX_BATCH_MEMBERS = `SELECT id, locked_until FROM outbox
  WHERE batch_id = ? AND delivered_at IS NULL`;

export const ASSIGN_OUTBOX_BATCH = `UPDATE outbox SET batch_id = ?
  WHERE id = ? AND locked_by = ? AND batch_id IS NULL AND delivered_at IS NULL`;

export const RENEW_OUTBOX_LEASES = `UPDATE outbox SET locked_until = ?
  WHERE locked_by = ? AND delivered_at IS NULL`;
export const MARK_OUTBOX_DELIVERED = `UPDATE outbox SET delivered_at = ?, locked_by = NULL,
  locked_until = NULL WHERE id = ? AND delivered_at IS NULL`;
export const MARK_OUTBOX_FAILED = `UPDATE outbox SET attempts = attempts + 1, last_error = ?,
  next_attempt_at = ?, locked_by = NULL, locked_until = NULL
  WHERE id = ? AND locked_by = ? AND delivered_at IS NULL`;
export const PRUNE_DELIVERED_OUTBOX = `DELETE FROM outbox
  WHERE delivered_at IS NOT NULL AND delivered_at < ?`;
export const OUTBOX_LANES = `SELECT kind, COUNT(*) AS n, MIN(created_at) AS oldest FROM outbox
  WHERE delivered_at IS NULL GROUP BY kind`;
export const OUTBOX_LANE_ERROR = `SELECT last_error, attempts, next_attempt_at FROM outbox
  WHERE kind = ? AND delivered_at IS NULL AND last_error IS NOT NULL
  ORDER BY created_at, id LIMIT 1`;
export const OUTBOX_BACKLOG = `SELECT kind, COUNT(*) AS n FROM outbox WHERE delivered_at IS NULL
  GROUP BY kind`;

/** Numbers `?` placeholders as `$1, $2, …` for PostgreSQL. */
export function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/** Creates or replaces a lounge (values: rows.ts loungeValues). */
export const UPSERT_LOUNGE = `INSERT INTO lounges
  (id, airport, name, timezone, capacity, hours_opens, hours_closes, updated_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (id) DO UPDATE SET airport = excluded.airport, name = excluded.name,
    timezone = excluded.timezone, capacity = excluded.capacity,
    hours_opens = excluded.hours_opens, hours_closes = excluded.hours_closes,
    updated_at = excluded.updated_at
  RETURNING *`;
