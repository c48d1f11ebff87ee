import type { Ed25519PublicJwk } from '@lounge/shared';
import { prep, type Db } from './db.ts';

export interface CachedKey {
  kid: string;
  jwk: Ed25519PublicJwk;
  fetchedAt: number;
}

/** The cached JWKS: verification keeps working offline from these rows. */
export class KeyStore {
  constructor(private readonly db: Db) {}

  all(): CachedKey[] {
    const rows = prep<[], { kid: string; jwk: string; fetched_at: number }>(
      this.db,
      'SELECT kid, jwk, fetched_at FROM jwks ORDER BY kid',
    ).all();
    return rows.map((r) => ({
      kid: r.kid,
      jwk: JSON.parse(r.jwk) as Ed25519PublicJwk,
      fetchedAt: r.fetched_at,
    }));
  }

  /** Deletes these kids (retired by the cloud). */
  remove(kids: readonly string[]): void {
    const del = prep<[string]>(this.db, 'DELETE FROM jwks WHERE kid = ?');
    this.db
      .transaction(() => {
        for (const kid of kids) del.run(kid);
      })
      .immediate();
  }

  /** Replaces the cache with a freshly fetched set: keys the cloud dropped are dropped too. */
  replaceAll(keys: Ed25519PublicJwk[], atMs: number): void {
    const insert = prep(this.db, 'INSERT INTO jwks (kid, jwk, fetched_at) VALUES (?, ?, ?)');
    this.db
      .transaction(() => {
        prep(this.db, 'DELETE FROM jwks').run();
        for (const k of keys) insert.run(k.kid, JSON.stringify(k), atMs);
      })
      .immediate();
  }
}
