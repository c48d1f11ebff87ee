import type { ApiKeyRecord, CloudStore } from '../port.ts';
import { apiKeyFromRow } from '../rows.ts';
import type { SqliteDb } from './connection.ts';

type ApiKeys = Pick<
  CloudStore,
  'insertApiKey' | 'findApiKey' | 'countApiKeys' | 'listApiKeys' | 'revokeApiKey'
>;

const LIVE_ADMINS =
  "SELECT COUNT(*) AS n FROM api_keys WHERE role = 'admin' AND revoked_at IS NULL";

/** API keys on SQLite. No cache: every request reads the row, so a revoke holds at once. */
export function sqliteApiKeys(db: SqliteDb): ApiKeys {
  const find = (id: string): ApiKeyRecord | null => {
    const row = db.get('SELECT * FROM api_keys WHERE id = ?', id);
    return row ? apiKeyFromRow(row) : null;
  };
  return {
    async insertApiKey(k) {
      db.run(
        'INSERT INTO api_keys (id, role, name, hash, created_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?)',
        k.id,
        k.role,
        k.name,
        k.hash,
        k.createdAt,
        k.revokedAt,
      );
    },
    async findApiKey(id) {
      return find(id);
    },
    async countApiKeys(role) {
      const row = role
        ? db.get('SELECT COUNT(*) AS n FROM api_keys WHERE revoked_at IS NULL AND role = ?', role)
        : db.get('SELECT COUNT(*) AS n FROM api_keys WHERE revoked_at IS NULL');
      return Number(row!.n);
    },
    async listApiKeys() {
      return db.all('SELECT * FROM api_keys ORDER BY created_at, id').map(apiKeyFromRow);
    },
    async revokeApiKey(id, now) {
      // BEGIN IMMEDIATE: the count and the update see no other writer in between.
      return db.tx(() => {
        const key = find(id);
        if (!key) return { outcome: 'not-found' as const };
        if (key.revokedAt !== null) return { outcome: 'already-revoked' as const, key };
        if (key.role === 'admin' && Number(db.get(LIVE_ADMINS)!.n) <= 1) {
          return { outcome: 'last-admin' as const, key };
        }
        db.run('UPDATE api_keys SET revoked_at = ? WHERE id = ?', now, id);
        return { outcome: 'revoked' as const, key: { ...key, revokedAt: now } };
      });
    },
  };
}
