import { AccessLogStore } from './access-log.ts';
import { openDatabase, openDatabaseFile, type Db } from './db.ts';
import { DeskLog } from './desk-log.ts';
import { EntryOutbox } from './entry-outbox.ts';
import { InvitationStore } from './invitations.ts';
import { KeyStore } from './keys.ts';
import { MetaStore } from './meta.ts';
import { OccupancyStore } from './occupancy.ts';
import { ScanIdStore } from './scan-ids.ts';
import { StaffStore } from './staff.ts';
import { TrustedTimeStore } from './trusted-time.ts';
import { UploadQueue } from './upload-queue.ts';
import { WalCheckpointer } from './wal-checkpointer.ts';

/** Every store of the edge's SQLite state, over one connection. */
export interface EdgeState {
  db: Db;
  meta: MetaStore;
  keys: KeyStore;
  invitations: InvitationStore;
  accessLog: AccessLogStore;
  /** The access log's IBDP upload queue (batches fixed before their first send). */
  uploads: UploadQueue;
  deskLog: DeskLog;
  outbox: EntryOutbox;
  scanIds: ScanIdStore;
  occupancy: OccupancyStore;
  staff: StaffStore;
  trustedTime: TrustedTimeStore;
  close(): void;
}

/** Wraps an open database in the state stores; `onClose` runs before the database closes. */
export function createEdgeState(db: Db, onClose: () => void = () => {}): EdgeState {
  return {
    db,
    meta: new MetaStore(db),
    keys: new KeyStore(db),
    invitations: new InvitationStore(db),
    accessLog: new AccessLogStore(db),
    uploads: new UploadQueue(db),
    deskLog: new DeskLog(db),
    outbox: new EntryOutbox(db),
    scanIds: new ScanIdStore(db),
    occupancy: new OccupancyStore(db),
    staff: new StaffStore(db),
    trustedTime: new TrustedTimeStore(db),
    close: () => {
      onClose();
      if (db.open) db.close();
    },
  };
}

/**
 * Opens `edge.db` in `dataDir` and wraps it, with its WAL checkpoints on a worker thread; a
 * `file` (tests, `:memory:`) is opened plainly, checkpointing inline.
 */
export function openEdgeState(opts: { dataDir: string } | { file: string }): EdgeState {
  if ('file' in opts) return createEdgeState(openDatabaseFile(opts.file));
  const db = openDatabase(opts.dataDir);
  // The worker keeps the WAL short; this inline limit (~40 MB) only bites if it falls behind.
  db.pragma('wal_autocheckpoint = 10000');
  const checkpointer = new WalCheckpointer({ file: db.name });
  return createEdgeState(db, () => checkpointer.close());
}

export { META, MetaStore } from './meta.ts';
export type { AccessLogEntry } from './access-log.ts';
export { MAX_BATCH, UploadQueue, readBacklog } from './upload-queue.ts';
export type { Backlog, Batch, UploadError } from './upload-queue.ts';
export type { GrantRow, RevocationResult } from './invitations.ts';
export { PeerEvents } from './peer-events.ts';
export type { PeerEventResult } from './peer-events.ts';
export type { CachedKey } from './keys.ts';
export { OccupancyStore } from './occupancy.ts';
export type { OccupancySum } from './occupancy.ts';
export type { RecordedScan } from './scan-ids.ts';
export type { StaffMember } from './staff.ts';
export type { DeskLogRow } from './desk-log.ts';
export type { TrustedTime } from './trusted-time.ts';
export type { Db } from './db.ts';
