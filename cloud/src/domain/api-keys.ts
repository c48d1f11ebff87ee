import { CloudError } from '../errors.ts';
import type { ApiKeyRecord, CloudStore, Role } from '../store/port.ts';
import { createApiKey, keyIdOf } from './admin.ts';

/** An API key as listed: never the secret nor its hash. */
export interface ApiKeyView {
  id: string;
  role: Role;
  name: string;
  createdAt: string;
  revokedAt: string | null;
}

const iso = (ms: number): string => new Date(ms).toISOString();

export const apiKeyView = (k: ApiKeyRecord): ApiKeyView => ({
  id: k.id,
  role: k.role,
  name: k.name,
  createdAt: iso(k.createdAt),
  revokedAt: k.revokedAt === null ? null : iso(k.revokedAt),
});

/** Every API key, revoked ones included, oldest first. */
export async function listApiKeys(store: CloudStore): Promise<ApiKeyView[]> {
  return (await store.listApiKeys()).map(apiKeyView);
}

/**
 * Revokes an API key (idempotent: a revoked key answers with its first `revokedAt`). Auth reads
 * the key row on every request, with no cache, so the next request with it is refused on every
 * instance. The last live admin key is refused with LAST_ADMIN_KEY (docs/decisions.md).
 */
export async function revokeApiKey(
  store: CloudStore,
  id: string,
  now: number,
): Promise<ApiKeyView> {
  const result = await store.revokeApiKey(id, now);
  switch (result.outcome) {
    case 'not-found':
      throw new CloudError('API_KEY_NOT_FOUND', `no API key ${id}`);
    case 'last-admin':
      throw new CloudError(
        'LAST_ADMIN_KEY',
        `${id} is the last live admin key; create another admin key first, then revoke this one`,
      );
    default:
      return apiKeyView(result.key);
  }
}

/**
 * BOOTSTRAP_ADMIN_KEY (SPEC.md 3 and 5): creates the key with exactly this secret when no live
 * admin key exists. Never re-creates it once it exists, revoked or not: a revoked bootstrap
 * key stays revoked across restarts. Returns whether it created the key.
 */
export async function ensureBootstrapAdminKey(
  store: CloudStore,
  secret: string,
  now: number,
): Promise<boolean> {
  if ((await store.countApiKeys('admin')) > 0) return false;
  const id = keyIdOf(secret);
  if (await store.findApiKey(id)) return false;
  try {
    await createApiKey(store, 'admin', 'bootstrap', now, secret);
  } catch (err) {
    // Instances starting together on an empty database: another one inserted it first.
    if (await store.findApiKey(id)) return false;
    throw err;
  }
  return true;
}
