/**
 * The cloud store port. Two adapters implement it (SQLite for one process, PostgreSQL for many
 * stateless instances) and one contract suite runs against both. Times are ms since the epoch
 * unless a name says seconds. Every method that changes state and emits events takes the
 * outbox rows to write in the SAME transaction (transactional outbox, SPEC.md section 5).
 */

export type Role = 'app' | 'admin';

export interface ApiKeyRecord {
  id: string;
  role: Role;
  name: string;
  /** SHA-256 hex of the secret; the secret itself is never stored. */
  hash: string;
  createdAt: number;
  revokedAt: number | null;
}

/**
 * Outcome of revoking an API key. `last-admin`: it is the only live admin key, so revoking it
 * would lock every administrator out (docs/decisions.md); nothing changed.
 */
export type ApiKeyRevocation =
  | { outcome: 'revoked' | 'already-revoked' | 'last-admin'; key: ApiKeyRecord }
  | { outcome: 'not-found' };

export interface LoungeRecord {
  id: string;
  airport: string;
  name: string;
  timezone: string;
  /** People allowed inside at once; null: no limit. */
  capacity: number | null;
  /** Opening hours in `timezone`; null: the inside count never resets by itself. */
  hours: { opens: string; closes: string } | null;
  updatedAt: number;
}

export type InvitationStatus = 'issued' | 'used' | 'revoked' | 'expired';

/** What invitations may be listed by; every field optional. */
export interface InvitationFilter {
  customerId?: string | undefined;
  loungeId?: string | undefined;
  /** As the API shows it: `expired` is an issued invitation past validUntil at `nowMs`. */
  status?: InvitationStatus | undefined;
  /** Flight dates (`YYYY-MM-DD`), both inclusive. */
  from?: string | undefined;
  to?: string | undefined;
  /** Required with status `issued` or `expired`. */
  nowMs?: number | undefined;
}

export interface InvitationRecord {
  id: string;
  customerId: string;
  /** The pseudonymous `sub` written in the token. */
  subject: string;
  loungeId: string;
  flightNumber: string;
  /** YYYY-MM-DD */
  flightDate: string;
  departureTime: string;
  guests: number;
  entries: number;
  entriesUsed: number;
  /** ms */
  validFrom: number;
  validUntil: number;
  kid: string;
  token: string;
  /** The claim-check: rendered images stored with the invitation. */
  qrPng: Uint8Array;
  qrSvg: string;
  /** Stored status: `issued`, `used` or `revoked`; `expired` is derived from validUntil. */
  status: Exclude<InvitationStatus, 'expired'>;
  createdAt: number;
  revokedAt: number | null;
  revokeReason: string | null;
  usedAt: number | null;
}

export interface RevocationRecord {
  seq: number;
  invitationId: string;
  revokedAt: number;
  reason: string;
  /** seconds: the token's exp, so edges can prune */
  exp: number;
}

export interface SigningKeyRow {
  kid: string;
  publicJwk: string;
  /** AES-256-GCM sealed private JWK (see signing-keys/seal). */
  sealedPrivateKey: string;
  createdAt: number;
  activatesAt: number;
  /** seconds: latest exp signed with this key */
  lastTokenExp: number | null;
  retiredAt: number | null;
}

/** A retired signing key (SPEC.md 5, emergency retirement). */
export interface SigningKeyRetirement {
  kid: string;
  retiredAt: number;
  reason: string;
  /** Invitations re-signed off this key so far. */
  reissued: number;
}

/**
 * What a retirement changes besides the key itself, planned on the key set at `expectVersion`
 * (compare-and-set: another change since then makes the retirement `stale`, to plan again).
 */
export interface KeySetChange {
  expectVersion: number;
  /** A new key (the new standby, or a key signing at once when there was no standby). */
  insert?: SigningKeyRow;
  /** Another key's new activation time (the standby taking over). */
  activate?: { kid: string; at: number };
  outbox: OutboxEventInput[];
}

export type SigningKeyRetireOutcome = 'retired' | 'already-retired' | 'not-found' | 'stale';

/** A re-signed invitation's new token and images (same claims and `jti`). */
export interface ReissuedToken {
  kid: string;
  token: string;
  qrPng: Uint8Array;
  qrSvg: string;
}

export interface EnrollmentTokenRecord {
  id: string;
  hash: string;
  loungeId: string;
  expiresAt: number;
  usedAt: number | null;
  usedByDevice: string | null;
  createdAt: number;
}

export interface DeviceRecord {
  deviceId: string;
  loungeId: string;
  name: string;
  hardware: string | null;
  /** JSON of the Ed25519 public JWK */
  publicJwk: string;
  /** scrypt hash of the MQTT password */
  mqttPasswordHash: string;
  enrolledAt: number;
  lastSeenAt: number | null;
  online: boolean;
  revocationSeq: number;
  decommissionedAt: number | null;
  /** The last full heartbeat (SPEC.md 6), its JSON as the device sent it; null before one. */
  heartbeat: string | null;
  /** When the cloud took that heartbeat (ms); `stale` counts from here. */
  heartbeatAt: number | null;
}

/** A device status message to record (`lounge/v1/devices/{id}/status`, SPEC.md 6). */
export type DeviceStatusWrite =
  | {
      online: true;
      /** The heartbeat JSON, stored as is and shown by `GET /v1/devices`. */
      heartbeat: string;
      /** When it was taken (ms), or null to keep the stored time (a retained one without `at`). */
      heartbeatAt: number | null;
      revocationSeq?: number;
    }
  | { online: false };

export interface IdempotencyRecord {
  scope: string;
  key: string;
  requestHash: string;
  /** null while the first request is still running */
  responseStatus: number | null;
  responseBody: string | null;
  createdAt: number;
}

/** `broker`: a change of device logins the broker must be told (dynsec), e.g. a decommission. */
export type OutboxKind = 'crm' | 'ibdp' | 'mqtt' | 'broker';

export interface OutboxEventInput {
  id: string;
  kind: OutboxKind;
  /** JSON: the CRM event, the IBDP record + dataset, or `{topic, payload, retain}` */
  payload: string;
  createdAt: number;
  /**
   * Events of one kind with the same orderKey go out one at a time, in order (the next is held
   * back until the previous is delivered). Default: the payload's top-level `invitationId`.
   */
  orderKey?: string | null;
  /**
   * Position within the orderKey's queue, when that is not creation order (revocations: their
   * seq). A queue whose rows carry it is a log: one claim may take a run of it, in this order.
   */
  orderSeq?: number | null;
  /** Not delivered before this instant (ms); default `createdAt`. */
  notBefore?: number;
}

/**
 * One outbox lane (kind) as readiness shows it: its backlog, its oldest undelivered event, and
 * the error of the oldest undelivered event that failed (the one holding the lane back).
 */
export interface OutboxLane {
  pending: number;
  oldestCreatedAt: number | null;
  lastError: { error: string; attempts: number; nextAttemptAt: number } | null;
}

export interface OutboxEvent extends OutboxEventInput {
  attempts: number;
  nextAttemptAt: number;
  lastError: string | null;
  /** The IBDP batch this row was first sent in; null until then. */
  batchId: string | null;
}

export type LoungeEventKind = 'grant' | 'annul' | 'exit' | 'adjust';

/** An accepted lounge event (SPEC.md 8) to store; the checks ran before (lounge-events/). */
export interface LoungeEventInput {
  eventId: string;
  type: LoungeEventKind;
  /** The lounge it happened in (the device's). */
  loungeId: string;
  deviceId: string;
  gate: string;
  at: number;
  /** A grant's invitation (null: a code-less override); on an annul, filled from its grant. */
  invitationId: string | null;
  /** A grant's people; on an annul, minus its grant's. */
  admit: number | null;
  /** An annul's grant. */
  annuls: string | null;
  /** The event as received (JSON). */
  payload: string;
}

/** A stored lounge event, as the checks of later events need it. */
export interface StoredLoungeEvent {
  eventId: string;
  type: LoungeEventKind;
  loungeId: string;
  deviceId: string;
  at: number;
  invitationId: string | null;
  admit: number | null;
  /** On a grant: the annul that gave it back. */
  annulledBy: string | null;
}

/**
 * What storing an event did: `applied`; `overused` (applied, and the grant took the
 * invitation past its `entries`: a double consumption, SPEC.md 8); `duplicate` (its eventId
 * was stored already); or `conflict` (an annul whose grant another annul gave back first).
 */
export type LoungeEventOutcome = 'applied' | 'overused' | 'duplicate' | 'conflict';

/**
 * Builds the outbox rows of an event that moved an invitation's entries. `overusedWith`: on a
 * grant that took the invitation past its entries, the other grants (not annulled) holding
 * its entries; otherwise empty.
 */
export type LoungeEventOutbox = (
  event: LoungeEventInput,
  invitation: InvitationRecord,
  overusedWith: StoredLoungeEvent[],
) => OutboxEventInput[];

/** Outcome of claiming an idempotency key. */
export type IdempotencyClaim =
  | { state: 'claimed' }
  | { state: 'completed'; record: IdempotencyRecord }
  | { state: 'in-progress'; record: IdempotencyRecord };

export interface CloudStore {
  /** Applies numbered migrations; idempotent; safe to run from several instances at once. */
  migrate(): Promise<void>;
  /** Readiness probe: a trivial query. */
  ping(): Promise<void>;
  close(): Promise<void>;

  // Server secrets (link HMAC, subject HMAC): created once, shared by all instances.
  getOrCreateSecret(name: string, create: () => string): Promise<string>;
  /** Replaces a secret's stored form if it still is `expected` (compare-and-set). */
  replaceSecret(name: string, expected: string, value: string): Promise<boolean>;

  // API keys
  insertApiKey(key: ApiKeyRecord): Promise<void>;
  findApiKey(id: string): Promise<ApiKeyRecord | null>;
  countApiKeys(role?: Role): Promise<number>;
  /** Every key, revoked ones included, oldest first. */
  listApiKeys(): Promise<ApiKeyRecord[]>;
  /**
   * Revokes a key at `now` (idempotent). Refuses the last live admin key, atomically: two
   * instances revoking the last two admin keys at once leave one of them live.
   */
  revokeApiKey(id: string, now: number): Promise<ApiKeyRevocation>;

  // Lounges
  /** Creates or replaces a lounge, writing `outbox` (its config message) in the same transaction. */
  upsertLounge(lounge: LoungeRecord, outbox?: OutboxEventInput[]): Promise<LoungeRecord>;
  findLounge(id: string): Promise<LoungeRecord | null>;
  /** Every lounge, by id. */
  listLounges(): Promise<LoungeRecord[]>;

  // Signing keys
  /**
   * Inserts a key and its outbox rows in one transaction; `activate` also sets another key's
   * activation time (a rotation promoting the standby). Bumps the key set's version.
   */
  insertSigningKey(
    key: SigningKeyRow,
    outbox: OutboxEventInput[],
    activate?: { kid: string; at: number },
  ): Promise<void>;
  listSigningKeys(): Promise<SigningKeyRow[]>;
  /** Changes with every change to the key set (not with noteTokenSigned): a cheap freshness check. */
  signingKeysVersion(): Promise<number>;
  /** Raises lastTokenExp to at least `expSeconds`. */
  noteTokenSigned(kid: string, expSeconds: number): Promise<void>;
  /**
   * Retires a key at `retirement.at` with the change planned for it, in one transaction that
   * bumps the version: `already-retired` (nothing written) when it was; `stale` (nothing
   * written) when the key set's version is no longer `change.expectVersion`.
   */
  retireSigningKey(
    kid: string,
    retirement: { at: number; reason: string },
    change: KeySetChange,
  ): Promise<SigningKeyRetireOutcome>;
  /** The retirement of a key; null when there is no such key or it is not retired. */
  findSigningKeyRetirement(kid: string): Promise<SigningKeyRetirement | null>;

  // Idempotency (scope = api key id + route)
  claimIdempotencyKey(
    scope: string,
    key: string,
    requestHash: string,
    now: number,
  ): Promise<IdempotencyClaim>;
  completeIdempotencyKey(scope: string, key: string, status: number, body: string): Promise<void>;
  /** Drops a claim whose request failed before answering, so a retry can run again. */
  releaseIdempotencyKey(scope: string, key: string): Promise<void>;

  // Invitations
  /**
   * Inserts an invitation and its outbox events atomically. Returns `duplicate` with the
   * existing invitation when the same customer already has an active (issued, not expired)
   * invitation for the same flight and lounge (ALREADY_INVITED), also under concurrency.
   */
  insertInvitation(
    invitation: InvitationRecord,
    outbox: OutboxEventInput[],
    now: number,
  ): Promise<{ inserted: true } | { inserted: false; existing: InvitationRecord }>;
  findInvitation(id: string): Promise<InvitationRecord | null>;
  /**
   * Newest first; cursor is opaque (returned as nextCursor). A string is a customer id; a
   * filter narrows by any of its fields (SPEC.md 5, `GET /v1/invitations`).
   */
  listInvitations(
    filter: string | InvitationFilter,
    limit: number,
    cursor: string | null,
  ): Promise<{ items: InvitationRecord[]; nextCursor: string | null }>;
  /**
   * Revokes idempotently: the first call assigns the next gap-free `seq` and writes the
   * outbox rows built by `outbox(revocation)`; later calls return the existing revocation.
   */
  revokeInvitation(
    id: string,
    reason: string,
    now: number,
    outbox: (revocation: RevocationRecord, invitation: InvitationRecord) => OutboxEventInput[],
  ): Promise<{ revocation: RevocationRecord; created: boolean } | null>;
  /**
   * Active invitations whose token `kid` signed, by id after `afterId`: issued, or used with
   * entries left; not revoked; validUntil after `nowMs` (what a retirement re-signs).
   */
  listInvitationsSignedBy(
    kid: string,
    nowMs: number,
    limit: number,
    afterId: string | null,
  ): Promise<InvitationRecord[]>;
  /**
   * Replaces the token and images of an invitation still signed by `fromKid` and still active
   * at `now`, counts it on `fromKid`'s retirement and writes the outbox rows, in one
   * transaction; false (nothing written) when it was re-signed, revoked or used up meanwhile.
   */
  reissueInvitation(
    id: string,
    fromKid: string,
    signed: ReissuedToken,
    now: number,
    outbox: OutboxEventInput[],
  ): Promise<boolean>;
  /** Ascending by seq, seq > after. */
  listRevocations(after: number, limit: number): Promise<RevocationRecord[]>;
  lastRevocationSeq(): Promise<number>;
  findRevocation(invitationId: string): Promise<RevocationRecord | null>;

  // Lounge events (from devices, MQTT or POST /v1/entries, and cloud decisions).
  /**
   * Stores accepted events in one transaction, idempotent by eventId, in order: a grant with
   * an invitation takes one entry and marks it used; an annul marks its grant (same device,
   * not yet annulled) and gives that entry back; exits, adjusts and code-less grants are only
   * recorded. `outbox` runs for every event that moved an invitation's entries.
   */
  recordLoungeEvents(
    events: LoungeEventInput[],
    outbox: LoungeEventOutbox,
  ): Promise<LoungeEventOutcome[]>;
  /** The stored events among `eventIds`. */
  findLoungeEvents(eventIds: string[]): Promise<StoredLoungeEvent[]>;
  /** The lounge of each invitation among `ids` that exists. */
  invitationLounges(ids: string[]): Promise<Map<string, string>>;
  /** Entries consumed so far (for /v1/validate). */
  entriesUsed(invitationId: string): Promise<number>;

  // Enrolment and devices
  insertEnrollmentToken(token: EnrollmentTokenRecord): Promise<void>;
  findEnrollmentToken(id: string): Promise<EnrollmentTokenRecord | null>;
  /**
   * Marks the token used and inserts the device in one transaction. `used` when another
   * request took it first.
   */
  enrollDevice(tokenId: string, device: DeviceRecord, now: number): Promise<'ok' | 'used'>;
  findDevice(deviceId: string): Promise<DeviceRecord | null>;
  listDevices(): Promise<DeviceRecord[]>;
  updateDeviceStatus(
    deviceId: string,
    patch: { online?: boolean; lastSeenAt?: number; revocationSeq?: number },
  ): Promise<void>;
  /**
   * Records a status message of an ACTIVE device in one statement, without reading first
   * (1,000 boxes every 60 s, received by every instance). A heartbeat sets it online, keeps its
   * JSON and moves `heartbeatAt` and `lastSeenAt` (never back); one whose JSON is already
   * stored changes nothing, so the other instances' copies of the same message are no-ops. An
   * offline message clears `online` only, keeping the last heartbeat beside it. True when a
   * row changed; false for an unknown or decommissioned device, or a copy already applied.
   */
  recordDeviceStatus(deviceId: string, status: DeviceStatusWrite): Promise<boolean>;
  /**
   * Stamps decommissionedAt (the first time only) and writes `outbox` in the same transaction,
   * so the broker is told by whichever instance's dispatcher gets to it.
   */
  decommissionDevice(
    deviceId: string,
    now: number,
    outbox?: OutboxEventInput[],
  ): Promise<DeviceRecord | null>;
  replaceDeviceKey(deviceId: string, publicJwk: string): Promise<void>;
  /** Replay protection for device assertions: false when (deviceId, jti) was seen already. */
  rememberAssertionJti(deviceId: string, jti: string, expiresAt: number): Promise<boolean>;

  // Outbox: at least once, never handed to two instances at the same time.
  /**
   * Leases up to `limit` due events (nextAttemptAt <= now, not delivered, lease expired) for
   * `leaseMs`; PostgreSQL uses FOR UPDATE SKIP LOCKED so instances share the work. Of an
   * ordered queue only its head is due, except in a sequenced queue (rows with `orderSeq`),
   * where a claim takes the head and the due rows right behind it, in queue order. A row of a
   * batch comes with every undelivered row of that batch, or not at all (possibly past `limit`).
   */
  claimOutbox(
    worker: string,
    now: number,
    limit: number,
    leaseMs: number,
    kinds?: OutboxKind[],
  ): Promise<OutboxEvent[]>;
  /**
   * Extends to `now + leaseMs` the lease of every undelivered event `worker` holds: a worker
   * renews while it delivers, so its lease can be short and a crashed worker's work comes back
   * soon. Returns how many leases it extended.
   */
  renewOutboxLeases(worker: string, now: number, leaseMs: number): Promise<number>;
  /** Fixes the batch of rows `worker` holds that have none yet (before the batch is first sent). */
  assignOutboxBatch(worker: string, batchId: string, ids: readonly string[]): Promise<void>;
  markOutboxDelivered(id: string, worker: string, now: number): Promise<void>;
  markOutboxFailed(id: string, worker: string, error: string, nextAttemptAt: number): Promise<void>;
  outboxBacklog(): Promise<Record<OutboxKind, number>>;
  /** Each lane's backlog, oldest undelivered event and blocking error (`/readyz`, metrics). */
  outboxLanes(): Promise<Record<OutboxKind, OutboxLane>>;
}
