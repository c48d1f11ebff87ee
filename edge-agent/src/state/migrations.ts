/**
 * Numbered schema migrations of the edge SQLite state, applied in order and recorded in
 * `schema_migrations`. Never edit one that has shipped: add the next number.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial',
    sql: `
      CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

      CREATE TABLE jwks (
        kid TEXT PRIMARY KEY,
        jwk TEXT NOT NULL,
        fetched_at INTEGER NOT NULL
      );

      CREATE TABLE revocations (
        invitation_id TEXT PRIMARY KEY,
        seq INTEGER NOT NULL,
        exp INTEGER NOT NULL,
        revoked_at TEXT NOT NULL,
        reason TEXT NOT NULL
      );
      CREATE INDEX revocations_exp ON revocations (exp);

      -- Entries used per invitation, across every gate of the lounge.
      CREATE TABLE consumption (
        invitation_id TEXT PRIMARY KEY,
        entries_used INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );

      -- Every entry event counted into consumption (local or from other gates): idempotency.
      CREATE TABLE entry_events (
        event_id TEXT PRIMARY KEY,
        invitation_id TEXT NOT NULL,
        device_id TEXT NOT NULL,
        delta INTEGER NOT NULL,
        applied_at INTEGER NOT NULL
      );

      -- Local grant decisions: the re-grant window and annulment. repeat_of names the
      -- consuming grant a double read repeated.
      CREATE TABLE grants (
        event_id TEXT PRIMARY KEY,
        invitation_id TEXT NOT NULL,
        gate TEXT NOT NULL,
        at_ms INTEGER NOT NULL,
        admit INTEGER NOT NULL,
        entries_left INTEGER NOT NULL,
        repeat_of TEXT,
        annulled_at INTEGER,
        annul_event_id TEXT
      );
      CREATE INDEX grants_invitation ON grants (invitation_id, at_ms);

      -- One row per decision (and per annulment), before it is answered. uploaded_at and
      -- batch_id belong to the IBDP uploader; rows are never deleted before upload.
      CREATE TABLE access_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        event_id TEXT NOT NULL UNIQUE,
        device_id TEXT NOT NULL,
        lounge_id TEXT NOT NULL,
        gate TEXT NOT NULL,
        invitation_id TEXT,
        decision TEXT NOT NULL,
        reason TEXT NOT NULL,
        admit INTEGER NOT NULL,
        decided_at TEXT NOT NULL,
        offline INTEGER NOT NULL,
        code_sha256 TEXT NOT NULL,
        latency_ms REAL NOT NULL,
        clock_suspect INTEGER NOT NULL DEFAULT 0,
        repeat INTEGER NOT NULL DEFAULT 0,
        annuls TEXT,
        uploaded_at INTEGER,
        batch_id TEXT
      );
      CREATE INDEX access_log_pending ON access_log (id) WHERE uploaded_at IS NULL;

      -- Entry events waiting to be published on the lounge topic (the sync drains it).
      CREATE TABLE entry_outbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        event_id TEXT NOT NULL UNIQUE,
        payload TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        published_at INTEGER
      );
      CREATE INDEX entry_outbox_pending ON entry_outbox (id) WHERE published_at IS NULL;

      -- The latest instant a trusted source vouched for (cloud Date header, MQTT), and the
      -- last measured offset of our clock from the cloud's (local - cloud).
      CREATE TABLE trusted_time (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        trusted_ms INTEGER NOT NULL,
        source TEXT NOT NULL,
        skew_ms INTEGER,
        measured_at INTEGER
      );
    `,
  },
  {
    version: 2,
    name: 'lounge-events',
    // Lounge events (SPEC.md 8): what an annul from a peer needs to know about the grant it
    // names (type, device, time, whether annulled). Code-less grants, exits and adjusts are
    // recorded with invitation_id '' and delta 0. Unsent outbox rows of the old format
    // (annulments as negative admits) are rewritten into grant and annul events.
    sql: `
      ALTER TABLE entry_events ADD COLUMN kind TEXT;
      ALTER TABLE entry_events ADD COLUMN at_ms INTEGER;
      ALTER TABLE entry_events ADD COLUMN annulled_by TEXT;
      UPDATE entry_events SET kind = CASE WHEN delta > 0 THEN 'grant' ELSE 'annul' END,
        at_ms = applied_at;

      UPDATE entry_outbox SET payload = json_object(
          'type', 'grant', 'eventId', json_extract(payload, '$.eventId'),
          'deviceId', json_extract(payload, '$.deviceId'), 'gate', json_extract(payload, '$.gate'),
          'at', json_extract(payload, '$.at'),
          'invitationId', json_extract(payload, '$.invitationId'),
          'admit', json_extract(payload, '$.admit'), 'reason', 'OK')
        WHERE published_at IS NULL AND json_extract(payload, '$.type') IS NULL
          AND json_extract(payload, '$.admit') > 0;
      UPDATE entry_outbox SET payload = json_object(
          'type', 'annul', 'eventId', json_extract(payload, '$.eventId'),
          'deviceId', json_extract(payload, '$.deviceId'), 'gate', json_extract(payload, '$.gate'),
          'at', json_extract(payload, '$.at'), 'annuls', json_extract(payload, '$.annuls'))
        WHERE published_at IS NULL AND json_extract(payload, '$.type') IS NULL
          AND json_extract(payload, '$.annuls') IS NOT NULL;
      DELETE FROM entry_outbox WHERE published_at IS NULL AND json_extract(payload, '$.type') IS NULL;
    `,
  },
  {
    version: 3,
    name: 'no-repeat-rule-scan-ids',
    sql: `
      -- The repeat rule is gone (SPEC.md 8): a used code is never granted again. A repeat row
      -- took no entry, so annulling it must not give one back: drop those rows and the column
      -- that marked them. access_log.repeat stays, no longer written: dropping it would
      -- rewrite a table that may hold many records waiting for IBDP.
      DELETE FROM grants WHERE repeat_of IS NOT NULL;
      ALTER TABLE grants DROP COLUMN repeat_of;

      -- Turnstile retries: the decision answered for each scanId, replayed for 5 minutes.
      CREATE TABLE scan_ids (
        scan_id TEXT PRIMARY KEY,
        code_sha256 TEXT NOT NULL,
        gate TEXT NOT NULL,
        decision TEXT NOT NULL,
        at_ms INTEGER NOT NULL
      );
      CREATE INDEX scan_ids_at ON scan_ids (at_ms);

      ALTER TABLE access_log ADD COLUMN scan_id TEXT;
    `,
  },
  {
    version: 4,
    name: 'occupancy',
    // Occupancy (SPEC.md 8): every lounge event row says how it moves the inside count
    // (people: + a grant's admit, - an annulled grant's admit, - an exit's count, + an
    // adjust's delta) and which instant decides whether it counts since the last closing
    // (counts_at: the event's time; for an annul, its grant's). Rows written before this
    // version: local grants and annuls get their admit from the grants table; peers' grants
    // carried no admit here and count 0.
    sql: `
      ALTER TABLE entry_events ADD COLUMN people INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE entry_events ADD COLUMN counts_at INTEGER;
      UPDATE entry_events SET people = COALESCE(
          (SELECT g.admit FROM grants g WHERE g.event_id = entry_events.event_id), 0)
        WHERE kind = 'grant';
      UPDATE entry_events SET
          people = -COALESCE(
            (SELECT g.admit FROM grants g WHERE g.annul_event_id = entry_events.event_id), 0),
          counts_at = (SELECT g.at_ms FROM grants g WHERE g.annul_event_id = entry_events.event_id)
        WHERE kind = 'annul';
      UPDATE entry_events SET counts_at = COALESCE(at_ms, applied_at) WHERE counts_at IS NULL;
      CREATE INDEX entry_events_counts_at ON entry_events (counts_at);

      -- Turnstile passage ids (POST /v1/passages): the same id within 5 min counts once.
      CREATE TABLE passage_ids (
        passage_id TEXT PRIMARY KEY,
        event_id TEXT NOT NULL,
        at_ms INTEGER NOT NULL
      );
      CREATE INDEX passage_ids_at ON passage_ids (at_ms);

      -- Who acted (overrides, adjusts), their reason text, and the inside count after the row.
      ALTER TABLE access_log ADD COLUMN staff TEXT;
      ALTER TABLE access_log ADD COLUMN note TEXT;
      ALTER TABLE access_log ADD COLUMN inside INTEGER;
    `,
  },
  {
    version: 5,
    name: 'desk-console',
    sql: `
      -- Desk console staff (SPEC.md 7 add-staff): the PIN only as a scrypt hash.
      CREATE TABLE staff (
        name TEXT PRIMARY KEY,
        pin_hash TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );

      -- Today's counters on the console read a day of records (staff and note on access_log
      -- came with version 4).
      CREATE INDEX access_log_decided_at ON access_log (decided_at);
    `,
  },
  {
    version: 6,
    name: 'drop-unread-indexes',
    // Every grant wrote these two B-trees and no query reads them (grants are looked up by
    // event_id; the occupancy sum walks entry_events by rowid): two WAL pages less per
    // decision's commit. Dropping an index rewrites no table.
    sql: `
      DROP INDEX IF EXISTS grants_invitation;
      DROP INDEX IF EXISTS entry_events_counts_at;
    `,
  },
];
