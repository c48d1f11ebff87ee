import { LOUNGE_ID_RE, TOPICS, type LoungeConfig, type OpeningHours } from '@lounge/shared';
import { CloudError } from '../errors.ts';
import { mqttRow } from '../outbox/events.ts';
import { hashApiKey, newApiKey } from '../security/index.ts';
import type { CloudStore, LoungeRecord, Role } from '../store/port.ts';

/** Creates an API key; the secret is returned once and only its hash is stored. */
export async function createApiKey(
  store: CloudStore,
  role: Role,
  name: string,
  now: number,
  secret?: string,
): Promise<{ id: string; role: Role; name: string; key: string }> {
  const generated = secret ? null : newApiKey();
  const key = secret ?? generated!.secret;
  const id = generated?.id ?? keyIdOf(key);
  await store.insertApiKey({
    id,
    role,
    name,
    hash: hashApiKey(key),
    createdAt: now,
    revokedAt: null,
  });
  return { id, role, name, key };
}

/**
 * The id of a bootstrap secret chosen by an operator (BOOTSTRAP_ADMIN_KEY): keys we mint carry
 * their id; a chosen one is looked up by a digest of itself.
 */
export function keyIdOf(secret: string): string {
  return 'boot_' + hashApiKey(secret).slice(0, 20);
}

function checkTimezone(timezone: string): void {
  try {
    new Intl.DateTimeFormat('en', { timeZone: timezone });
  } catch {
    throw new CloudError('INVALID_REQUEST', `timezone: unknown time zone "${timezone}"`, {
      field: 'timezone',
    });
  }
}

/** A lounge as the API shows it (SPEC.md 5); its config fields are the config message's. */
export interface LoungeView {
  id: string;
  airport: string;
  name: string;
  timezone: string;
  capacity: number | null;
  hours: OpeningHours | null;
  updatedAt: string;
}

export const loungeView = (l: LoungeRecord): LoungeView => ({
  id: l.id,
  airport: l.airport,
  name: l.name,
  timezone: l.timezone,
  capacity: l.capacity,
  hours: l.hours,
  updatedAt: new Date(l.updatedAt).toISOString(),
});

/** The retained `lounge/v1/lounges/{id}/config` message, also in the enrolment answer. */
export const loungeConfigOf = (l: LoungeRecord): LoungeConfig => ({
  capacity: l.capacity,
  hours: l.hours,
  timezone: l.timezone,
  updatedAt: new Date(l.updatedAt).toISOString(),
});

export interface LoungeInput {
  airport: string;
  name: string;
  timezone: string;
  capacity?: number | undefined;
  hours?: OpeningHours | undefined;
}

/**
 * Creates or replaces a lounge; its id must start with its airport (`MAD-…` at MAD). What is
 * left out is cleared (no capacity, no hours). The new config is published, retained, to the
 * lounge's boxes through the outbox, in the same transaction as the change.
 */
export async function upsertLounge(
  store: CloudStore,
  id: string,
  body: LoungeInput,
  now: number,
): Promise<LoungeView> {
  if (!LOUNGE_ID_RE.test(id)) {
    throw new CloudError('INVALID_REQUEST', 'id: expected e.g. MAD-T4S-VELAZQUEZ', {
      field: 'id',
    });
  }
  if (!id.startsWith(`${body.airport}-`)) {
    throw new CloudError('INVALID_REQUEST', `airport: lounge id ${id} must start with it`, {
      field: 'airport',
    });
  }
  checkTimezone(body.timezone);
  const lounge: LoungeRecord = {
    id,
    airport: body.airport,
    name: body.name,
    timezone: body.timezone,
    capacity: body.capacity ?? null,
    hours: body.hours ?? null,
    updatedAt: now,
  };
  const config = {
    ...mqttRow(TOPICS.loungeConfig(id), loungeConfigOf(lounge), true, now),
    // One queue per lounge: two changes in a row leave the newest retained.
    orderKey: `lounge-config:${id}`,
  };
  return loungeView(await store.upsertLounge(lounge, [config]));
}

/** One lounge: admins see any, a device only its own (others are not found). */
export async function getLounge(
  store: CloudStore,
  id: string,
  caller: { deviceLounge: string | null },
): Promise<LoungeView> {
  const lounge =
    caller.deviceLounge === null || caller.deviceLounge === id ? await store.findLounge(id) : null;
  if (!lounge) throw new CloudError('NOT_FOUND', `no lounge ${id}`);
  return loungeView(lounge);
}
