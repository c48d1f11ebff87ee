import { AccessLogStore } from './access-log.ts';
import { openDatabase, openDatabaseFile, type Db } from './db.ts';
import { EntryOutbox } from './entry-outbox.ts';
import { InvitationStore } from './invitations.ts';
import { KeyStore } from './keys.ts';
import { MetaStore } from './meta.ts';
import { TrustedTimeStore } from './trusted-time.ts';

/** Every store of the edge's SQLite state, over one connection. */
export interface EdgeState {
  db: Db;
  meta: MetaStore;
  keys: KeyStore;
  invitations: InvitationStore;
  accessLog: AccessLogStore;
  outbox: EntryOutbox;
  trustedTime: TrustedTimeStore;
  close(): void;
}

/** Wraps an open database in the state stores. */
export function createEdgeState(db: Db): EdgeState {
  return {
    db,
    meta: new MetaStore(db),
    keys: new KeyStore(db),
    invitations: new InvitationStore(db),
    accessLog: new AccessLogStore(db),
    outbox: new EntryOutbox(db),
    trustedTime: new TrustedTimeStore(db),
    close: () => {
      if (db.open) db.close();
    },
  };
}

/** Opens `edge.db` in `dataDir` (or `:memory:` when given as a file) and wraps it. */
export function openEdgeState(opts: { dataDir: string } | { file: string }): EdgeState {
  return createEdgeState('file' in opts ? openDatabaseFile(opts.file) : openDatabase(opts.dataDir));
}

export { META, MetaStore } from './meta.ts';
export type { AccessLogEntry } from './access-log.ts';
export type { GrantRow, RevocationResult } from './invitations.ts';
export type { CachedKey } from './keys.ts';
export type { TrustedTime } from './trusted-time.ts';
export type { Db } from './db.ts';
