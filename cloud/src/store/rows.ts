import type {
  ApiKeyRecord,
  DeviceRecord,
  EnrollmentTokenRecord,
  IdempotencyRecord,
  InvitationRecord,
  LoungeEventInput,
  LoungeRecord,
  OutboxEvent,
  OutboxEventInput,
  OutboxKind,
  RevocationRecord,
  Role,
  SigningKeyRetirement,
  SigningKeyRow,
  StoredLoungeEvent,
} from './port.ts';

/** A row as either driver returns it (pg gives BIGINT as a string, SQLite booleans as 0/1). */
export type Row = Record<string, unknown>;

/** A value both drivers bind. */
export type SqlValue = string | number | Buffer | null;

const num = (v: unknown): number => Number(v);
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const str = (v: unknown): string => String(v);
const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

/** A Buffer view of the bytes, which both drivers bind as BLOB/bytea. */
export const toBuffer = (bytes: Uint8Array): Buffer =>
  Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

export const apiKeyFromRow = (r: Row): ApiKeyRecord => ({
  id: str(r.id),
  role: str(r.role) as Role,
  name: str(r.name),
  hash: str(r.hash),
  createdAt: num(r.created_at),
  revokedAt: numOrNull(r.revoked_at),
});

export const loungeFromRow = (r: Row): LoungeRecord => ({
  id: str(r.id),
  airport: str(r.airport),
  name: str(r.name),
  timezone: str(r.timezone),
  capacity: r.capacity === null || r.capacity === undefined ? null : num(r.capacity),
  hours:
    r.hours_opens === null || r.hours_opens === undefined
      ? null
      : { opens: str(r.hours_opens), closes: str(r.hours_closes) },
  updatedAt: num(r.updated_at),
});

/** The values of a lounge row, in the column order of UPSERT_LOUNGE. */
export const loungeValues = (l: LoungeRecord): SqlValue[] => [
  l.id,
  l.airport,
  l.name,
  l.timezone,
  l.capacity,
  l.hours?.opens ?? null,
  l.hours?.closes ?? null,
  l.updatedAt,
];

export const signingKeyFromRow = (r: Row): SigningKeyRow => ({
  kid: str(r.kid),
  publicJwk: str(r.public_jwk),
  sealedPrivateKey: str(r.sealed_private_key),
  createdAt: num(r.created_at),
  activatesAt: num(r.activates_at),
  lastTokenExp: numOrNull(r.last_token_exp_s),
  retiredAt: numOrNull(r.retired_at),
});

export const retirementFromRow = (r: Row): SigningKeyRetirement => ({
  kid: str(r.kid),
  retiredAt: num(r.retired_at),
  reason: str(r.retire_reason ?? ''),
  reissued: num(r.reissued),
});

/** The parameters of INSERT_SIGNING_KEY. */
export const signingKeyValues = (k: SigningKeyRow): SqlValue[] => [
  k.kid,
  k.publicJwk,
  k.sealedPrivateKey,
  k.createdAt,
  k.activatesAt,
  k.lastTokenExp,
  k.retiredAt,
];

export const idempotencyFromRow = (r: Row): IdempotencyRecord => ({
  scope: str(r.scope),
  key: str(r.key),
  requestHash: str(r.request_hash),
  responseStatus: numOrNull(r.response_status),
  responseBody: strOrNull(r.response_body),
  createdAt: num(r.created_at),
});

export const invitationFromRow = (r: Row): InvitationRecord => ({
  id: str(r.id),
  customerId: str(r.customer_id),
  subject: str(r.subject),
  loungeId: str(r.lounge_id),
  flightNumber: str(r.flight_number),
  flightDate: str(r.flight_date),
  departureTime: str(r.departure_time),
  guests: num(r.guests),
  entries: num(r.entries),
  entriesUsed: num(r.entries_used),
  validFrom: num(r.valid_from),
  validUntil: num(r.valid_until),
  kid: str(r.kid),
  token: str(r.token),
  qrPng: new Uint8Array(r.qr_png as Uint8Array),
  qrSvg: str(r.qr_svg),
  status: str(r.status) as InvitationRecord['status'],
  createdAt: num(r.created_at),
  revokedAt: numOrNull(r.revoked_at),
  revokeReason: strOrNull(r.revoke_reason),
  usedAt: numOrNull(r.used_at),
});

/** Column values of an invitation, in INVITATION_COLUMNS order. */
export const INVITATION_COLUMNS =
  'id, customer_id, subject, lounge_id, flight_number, flight_date, departure_time, guests, ' +
  'entries, entries_used, valid_from, valid_until, kid, token, qr_png, qr_svg, status, ' +
  'created_at, revoked_at, revoke_reason, used_at';

export const invitationValues = (i: InvitationRecord): SqlValue[] => [
  i.id,
  i.customerId,
  i.subject,
  i.loungeId,
  i.flightNumber,
  i.flightDate,
  i.departureTime,
  i.guests,
  i.entries,
  i.entriesUsed,
  i.validFrom,
  i.validUntil,
  i.kid,
  i.token,
  toBuffer(i.qrPng),
  i.qrSvg,
  i.status,
  i.createdAt,
  i.revokedAt,
  i.revokeReason,
  i.usedAt,
];

export const revocationFromRow = (r: Row): RevocationRecord => ({
  seq: num(r.seq),
  invitationId: str(r.invitation_id),
  revokedAt: num(r.revoked_at),
  reason: str(r.reason),
  exp: num(r.exp_s),
});

export const enrollmentTokenFromRow = (r: Row): EnrollmentTokenRecord => ({
  id: str(r.id),
  hash: str(r.hash),
  loungeId: str(r.lounge_id),
  expiresAt: num(r.expires_at),
  usedAt: numOrNull(r.used_at),
  usedByDevice: strOrNull(r.used_by_device),
  createdAt: num(r.created_at),
});

export const deviceFromRow = (r: Row): DeviceRecord => ({
  deviceId: str(r.device_id),
  loungeId: str(r.lounge_id),
  name: str(r.name),
  hardware: strOrNull(r.hardware),
  publicJwk: str(r.public_jwk),
  mqttPasswordHash: str(r.mqtt_password_hash),
  enrolledAt: num(r.enrolled_at),
  lastSeenAt: numOrNull(r.last_seen_at),
  online: Boolean(r.online),
  revocationSeq: num(r.revocation_seq),
  decommissionedAt: numOrNull(r.decommissioned_at),
  heartbeat: strOrNull(r.heartbeat),
  heartbeatAt: numOrNull(r.heartbeat_at),
});

export const outboxFromRow = (r: Row): OutboxEvent => ({
  id: str(r.id),
  kind: str(r.kind) as OutboxKind,
  payload: str(r.payload),
  createdAt: num(r.created_at),
  orderKey: strOrNull(r.order_key),
  attempts: num(r.attempts),
  nextAttemptAt: num(r.next_attempt_at),
  lastError: strOrNull(r.last_error),
  orderSeq: numOrNull(r.order_seq),
  batchId: strOrNull(r.batch_id),
});

/** Values for `INSERT_OUTBOX` (sql.ts). */
export function outboxValues(e: OutboxEventInput): SqlValue[] {
  return [
    e.id,
    e.kind,
    orderKeyOf(e),
    e.orderSeq ?? null,
    e.payload,
    e.createdAt,
    e.notBefore ?? e.createdAt,
  ];
}

function orderKeyOf(e: OutboxEventInput): string | null {
  if (e.orderKey !== undefined) return e.orderKey;
  try {
    const parsed: unknown = JSON.parse(e.payload);
    if (parsed && typeof parsed === 'object' && 'invitationId' in parsed) {
      const id = (parsed as { invitationId: unknown }).invitationId;
      if (typeof id === 'string') return id;
    }
  } catch {
    // not JSON: no ordering key
  }
  return null;
}

/** Opaque keyset cursor for newest-first lists: (createdAt, id) of the last item. */
export function encodeCursor(createdAt: number, id: string): string {
  return Buffer.from(JSON.stringify([createdAt, id])).toString('base64url');
}

/** The (createdAt, id) in a cursor, or null when it is not one of ours. */
export function decodeCursor(cursor: string): { createdAt: number; id: string } | null {
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(v) && typeof v[0] === 'number' && typeof v[1] === 'string') {
      return { createdAt: v[0], id: v[1] };
    }
  } catch {
    // fall through
  }
  return null;
}

export const loungeEventFromRow = (r: Row): StoredLoungeEvent => ({
  eventId: String(r.event_id),
  type: String(r.type) as StoredLoungeEvent['type'],
  loungeId: String(r.lounge_id),
  deviceId: String(r.device_id),
  at: Number(r.at),
  invitationId: r.invitation_id === null ? null : String(r.invitation_id),
  admit: r.admit === null ? null : Number(r.admit),
  annulledBy: r.annulled_by === null ? null : String(r.annulled_by),
});

export const loungeEventValues = (e: LoungeEventInput, now: number): SqlValue[] => [
  e.eventId,
  e.type,
  e.loungeId,
  e.deviceId,
  e.gate,
  e.at,
  e.type === 'grant' ? e.invitationId : null,
  e.type === 'grant' ? e.admit : null,
  e.annuls,
  e.payload,
  now,
];
