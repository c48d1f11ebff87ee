import type { ManualClock } from '@lounge/shared';
import { newDeviceId, newEventId, newInvitationId } from '@lounge/shared';
import type {
  CloudStore,
  DeviceRecord,
  InvitationRecord,
  LoungeEventInput,
  OutboxEventInput,
  OutboxKind,
} from '../../src/store/port.ts';

/** What an adapter's test file hands the contract suite. */
export interface StoreHandle {
  /** A store on a fresh, empty database (not migrated yet). */
  store: CloudStore;
  /** Another instance on the same database (its own connection or pool), not migrated. */
  openTwin(): Promise<CloudStore>;
  /** Closes every instance and removes the database. */
  cleanup(): Promise<void>;
}

export type MakeStore = (opts: { clock: ManualClock }) => Promise<StoreHandle>;

export const T0 = Date.UTC(2026, 10, 25, 12, 0, 0);
export const HOUR = 3600_000;

let counter = 0;

/** An issued invitation valid for the next 4 hours, with a small fake PNG. */
export function invitation(overrides: Partial<InvitationRecord> = {}): InvitationRecord {
  counter++;
  return {
    id: newInvitationId(T0),
    customerId: 'IB1234567',
    subject: 'c3ViamVjdC1wc2V1ZG9ueW0',
    loungeId: 'MAD-T4S-VELAZQUEZ',
    flightNumber: 'IB3456',
    flightDate: '2026-11-25',
    departureTime: '2026-11-25T15:30:00Z',
    guests: 1,
    entries: 1,
    entriesUsed: 0,
    validFrom: T0 - HOUR,
    validUntil: T0 + 4 * HOUR,
    kid: 'k1abcdef',
    token: `eyJhbGciOiJFZERTQSJ9.payload${counter}.sig`,
    qrPng: new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 255, counter % 256]),
    qrSvg: `<svg xmlns="http://www.w3.org/2000/svg"><!-- ${counter} --></svg>`,
    status: 'issued',
    createdAt: T0 + counter,
    revokedAt: null,
    revokeReason: null,
    usedAt: null,
    ...overrides,
  };
}

/** An outbox event whose JSON payload names an invitation (the default order key). */
export function outboxEvent(
  kind: OutboxKind,
  invitationId: string,
  createdAt = T0,
  extra: Partial<OutboxEventInput> = {},
): OutboxEventInput {
  return {
    id: newEventId(createdAt),
    kind,
    payload: JSON.stringify({ type: 'test', invitationId }),
    createdAt,
    ...extra,
  };
}

export function device(loungeId = 'MAD-T4S-VELAZQUEZ'): DeviceRecord {
  return {
    deviceId: newDeviceId(T0),
    loungeId,
    name: 'gate box',
    hardware: 'rpi4',
    publicJwk: JSON.stringify({ kty: 'OKP', crv: 'Ed25519', x: 'abc' }),
    mqttPasswordHash: 'scrypt$salt$hash',
    enrolledAt: T0,
    lastSeenAt: null,
    online: false,
    revocationSeq: 0,
    decommissionedAt: null,
    heartbeat: null,
    heartbeatAt: null,
  };
}

/** An accepted grant (one person) by `dev_1`, to store. */
export function loungeEvent(overrides: Partial<LoungeEventInput> = {}): LoungeEventInput {
  return {
    eventId: 'evt_1',
    type: 'grant',
    loungeId: 'MAD-T4S-VELAZQUEZ',
    deviceId: 'dev_1',
    gate: 'g',
    at: T0 + 1000,
    invitationId: null,
    admit: 1,
    annuls: null,
    payload: '{}',
    ...overrides,
  };
}

/** An accepted annul by `dev_1`, to store. */
export function annulEvent(overrides: Partial<LoungeEventInput> = {}): LoungeEventInput {
  return loungeEvent({ type: 'annul', admit: null, at: T0 + 2000, ...overrides });
}
