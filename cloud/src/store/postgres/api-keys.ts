import type { ApiKeyRecord, CloudStore } from '../port.ts';
import { apiKeyFromRow } from '../rows.ts';
import type { PgConn, PgDb } from './connection.ts';

type ApiKeys = Pick<
  CloudStore,
  'insertApiKey' | 'findApiKey' | 'countApiKeys' | 'listApiKeys' | 'revokeApiKey'
>;

const find = async (c: PgConn, id: string, lock = false): Promise<ApiKeyRecord | null> => {
  const row = await c.get(`SELECT * FROM api_keys WHERE id = ?${lock ? ' FOR UPDATE' : ''}`, id);
  return row ? apiKeyFromRow(row) : null;
};

/**
 * API keys on PostgreSQL. No cache: every request reads the row, so a revoke through any
 * instance holds at once on all of them (SPEC.md 5).
 */
export function postgresApiKeys(db: PgDb): ApiKeys {
  return {
    async insertApiKey(k) {
      await db.run(
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
      return find(db, id);
    },
    async countApiKeys(role) {
      const row = role
        ? await db.get(
            'SELECT COUNT(*) AS n FROM api_keys WHERE revoked_at IS NULL AND role = ?',
            role,
          )
        : await db.get('SELECT COUNT(*) AS n FROM api_keys WHERE revoked_at IS NULL');
      return Number(row!.n);
    },
    async listApiKeys() {
      return (await db.all('SELECT * FROM api_keys ORDER BY created_at, id')).map(apiKeyFromRow);
    },
    async revokeApiKey(id, now) {
      return db.tx(async (c) => {
        // Lock every live admin row first (in key order, so two revokes cannot deadlock): a
        // concurrent revoke waits, then re-reads and sees this one's result (READ COMMITTED).
        const admins = await c.all(
          "SELECT id FROM api_keys WHERE role = 'admin' AND revoked_at IS NULL ORDER BY id FOR UPDATE",
        );
        const key = await find(c, id, true);
        if (!key) return { outcome: 'not-found' as const };
        if (key.revokedAt !== null) return { outcome: 'already-revoked' as const, key };
        if (key.role === 'admin' && admins.length <= 1) {
          return { outcome: 'last-admin' as const, key };
        }
        await c.run('UPDATE api_keys SET revoked_at = ? WHERE id = ?', now, id);
        return { outcome: 'revoked' as const, key: { ...key, revokedAt: now } };
      });
    },
  };
}
