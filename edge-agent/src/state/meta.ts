import type { Db } from './db.ts';

/** Small key/value settings kept in SQLite (revocation seq, last sync, last upload). */
export class MetaStore {
  private readonly getStmt;
  private readonly setStmt;

  constructor(db: Db) {
    this.getStmt = db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?');
    this.setStmt = db.prepare<[string, string]>(
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    );
  }

  get(key: string): string | undefined {
    return this.getStmt.get(key)?.value;
  }

  set(key: string, value: string): void {
    this.setStmt.run(key, value);
  }

  getNumber(key: string): number | undefined {
    const v = this.get(key);
    return v === undefined ? undefined : Number(v);
  }
}

/** Meta keys shared by the agent, the sync and the uploader. */
export const META = {
  revocationSeq: 'revocation_seq',
  lastSyncAt: 'last_sync_at',
  lastUploadAt: 'last_upload_at',
  /** JSON `{at, status, detail}` of the last failed IBDP attempt; empty after a success. */
  lastUploadError: 'last_upload_error',
  lastCloudContactAt: 'last_cloud_contact_at',
} as const;
