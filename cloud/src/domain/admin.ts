import { LOUNGE_ID_RE, ProblemError } from '@lounge/shared';
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
    throw new ProblemError('INVALID_REQUEST', `timezone: unknown time zone "${timezone}"`, {
      field: 'timezone',
    });
  }
}

/** Creates or replaces a lounge; its id must start with its airport (`MAD-…` at MAD). */
export async function upsertLounge(
  store: CloudStore,
  id: string,
  body: { airport: string; name: string; timezone: string },
  now: number,
): Promise<{ id: string; airport: string; name: string; timezone: string }> {
  if (!LOUNGE_ID_RE.test(id)) {
    throw new ProblemError('INVALID_REQUEST', 'id: expected e.g. MAD-T4S-VELAZQUEZ', {
      field: 'id',
    });
  }
  if (!id.startsWith(`${body.airport}-`)) {
    throw new ProblemError('INVALID_REQUEST', `airport: lounge id ${id} must start with it`, {
      field: 'airport',
    });
  }
  checkTimezone(body.timezone);
  const lounge: LoungeRecord = { id, ...body, updatedAt: now };
  const saved = await store.upsertLounge(lounge);
  return { id: saved.id, airport: saved.airport, name: saved.name, timezone: saved.timezone };
}
