import { columnTypes, type Migration } from './types.ts';

/** Every record of the store port (port.ts). Times are ms since the epoch unless named `_s`. */
export const initial: Migration = {
  id: 1,
  name: 'initial',
  up(dialect) {
    const { ms, blob, bool } = columnTypes(dialect);
    return [
      `CREATE TABLE api_keys (
        id TEXT PRIMARY KEY, role TEXT NOT NULL, name TEXT NOT NULL, hash TEXT NOT NULL,
        created_at ${ms} NOT NULL, revoked_at ${ms})`,
      `CREATE TABLE lounges (
        id TEXT PRIMARY KEY, airport TEXT NOT NULL, name TEXT NOT NULL, timezone TEXT NOT NULL,
        updated_at ${ms} NOT NULL)`,
      `CREATE TABLE signing_keys (
        kid TEXT PRIMARY KEY, public_jwk TEXT NOT NULL, sealed_private_key TEXT NOT NULL,
        created_at ${ms} NOT NULL, activates_at ${ms} NOT NULL, last_token_exp_s ${ms},
        retired_at ${ms})`,
      `CREATE TABLE secrets (name TEXT PRIMARY KEY, value TEXT NOT NULL, created_at ${ms} NOT NULL)`,
      `CREATE TABLE idempotency_keys (
        scope TEXT NOT NULL, key TEXT NOT NULL, request_hash TEXT NOT NULL,
        response_status INTEGER, response_body TEXT, created_at ${ms} NOT NULL,
        PRIMARY KEY (scope, key))`,
      `CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at)`,
      `CREATE TABLE invitations (
        id TEXT PRIMARY KEY, customer_id TEXT NOT NULL, subject TEXT NOT NULL,
        lounge_id TEXT NOT NULL, flight_number TEXT NOT NULL, flight_date TEXT NOT NULL,
        departure_time TEXT NOT NULL, guests INTEGER NOT NULL, entries INTEGER NOT NULL,
        entries_used INTEGER NOT NULL DEFAULT 0, valid_from ${ms} NOT NULL,
        valid_until ${ms} NOT NULL, kid TEXT NOT NULL, token TEXT NOT NULL,
        qr_png ${blob} NOT NULL, qr_svg TEXT NOT NULL, status TEXT NOT NULL,
        created_at ${ms} NOT NULL, revoked_at ${ms}, revoke_reason TEXT, used_at ${ms},
        superseded_at ${ms})`,
      `CREATE INDEX invitations_customer ON invitations (customer_id, created_at DESC, id DESC)`,
      // ALREADY_INVITED: at most one active invitation per trip. An expired one is stamped
      // superseded_at by the insert that replaces it, which takes it out of this index.
      `CREATE UNIQUE INDEX invitations_active ON invitations
        (customer_id, flight_number, flight_date, lounge_id)
        WHERE status = 'issued' AND superseded_at IS NULL`,
      `CREATE TABLE revocations (
        seq ${ms} PRIMARY KEY, invitation_id TEXT NOT NULL UNIQUE REFERENCES invitations (id),
        revoked_at ${ms} NOT NULL, reason TEXT NOT NULL, exp_s ${ms} NOT NULL)`,
      // One row; `UPDATE … SET seq = seq + 1 RETURNING seq` inside the revoking transaction
      // makes seq gap-free and commit-ordered.
      `CREATE TABLE revocation_counter (id INTEGER PRIMARY KEY CHECK (id = 1), seq ${ms} NOT NULL)`,
      `INSERT INTO revocation_counter (id, seq) VALUES (1, 0)`,
      `CREATE TABLE entries (
        event_id TEXT PRIMARY KEY, invitation_id TEXT NOT NULL REFERENCES invitations (id),
        device_id TEXT NOT NULL, gate TEXT NOT NULL, admit INTEGER NOT NULL, at ${ms} NOT NULL)`,
      `CREATE INDEX entries_invitation ON entries (invitation_id)`,
      `CREATE TABLE enrollment_tokens (
        id TEXT PRIMARY KEY, hash TEXT NOT NULL, lounge_id TEXT NOT NULL,
        expires_at ${ms} NOT NULL, used_at ${ms}, used_by_device TEXT, created_at ${ms} NOT NULL)`,
      `CREATE TABLE devices (
        device_id TEXT PRIMARY KEY, lounge_id TEXT NOT NULL, name TEXT NOT NULL, hardware TEXT,
        public_jwk TEXT NOT NULL, mqtt_password_hash TEXT NOT NULL, enrolled_at ${ms} NOT NULL,
        last_seen_at ${ms}, online ${bool} NOT NULL, revocation_seq ${ms} NOT NULL,
        decommissioned_at ${ms})`,
      `CREATE TABLE assertion_jtis (
        device_id TEXT NOT NULL, jti TEXT NOT NULL, expires_at ${ms} NOT NULL,
        PRIMARY KEY (device_id, jti))`,
      `CREATE INDEX assertion_jtis_expiry ON assertion_jtis (expires_at)`,
      `CREATE TABLE outbox (
        id TEXT PRIMARY KEY, kind TEXT NOT NULL, order_key TEXT, payload TEXT NOT NULL,
        created_at ${ms} NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at ${ms} NOT NULL, delivered_at ${ms}, locked_by TEXT, locked_until ${ms},
        last_error TEXT)`,
      `CREATE INDEX outbox_due ON outbox (next_attempt_at, created_at, id)
        WHERE delivered_at IS NULL`,
      `CREATE INDEX outbox_order ON outbox (kind, order_key, created_at, id)
        WHERE delivered_at IS NULL`,
      `CREATE INDEX outbox_delivered ON outbox (delivered_at) WHERE delivered_at IS NOT NULL`,
    ];
  },
};
