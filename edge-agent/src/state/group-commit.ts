import { isSqliteError, type Db } from './db.ts';

interface Pending {
  write: () => unknown;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; err: unknown };

/** Errors that concern the whole transaction (disk, locks), not one write in it. */
const TRANSACTION_ERROR = /^SQLITE_(FULL|IOERR|BUSY|LOCKED|NOMEM|READONLY|CORRUPT)/;

/**
 * Group commit: writes queued during one event-loop turn run in ONE `IMMEDIATE` transaction,
 * each in its own savepoint, committed before any of their promises settles. A burst of scans
 * (several gates, a busy turnstile) pays one commit and writes shared B-tree pages once
 * instead of once per scan; a lone scan is committed in the same turn. Each write still runs
 * synchronously from its reads to its writes, in arrival order, and sees the ones before it.
 */
export class GroupCommit {
  private queue: Pending[] = [];
  // Built once: better-sqlite3's `transaction()` makes four wrappers per call.
  private readonly commitBatch: (batch: Pending[]) => Outcome[];
  private readonly savepoint: (write: () => unknown) => unknown;

  /**
   * @param wrap runs the whole transaction (the storage guard's retry on a full disk); it may
   * call its argument more than once, so a write must not have side effects outside SQLite.
   */
  constructor(
    db: Db,
    private readonly wrap: <T>(transaction: () => T) => T = (t) => t(),
  ) {
    // A lone write needs no savepoint: if it throws, rolling back the transaction undoes
    // exactly its rows, and flush rejects it.
    this.commitBatch = db.transaction((batch: Pending[]) =>
      batch.length === 1
        ? [{ ok: true, value: batch[0]!.write() } as const]
        : batch.map((p) => this.runOne(p)),
    ).immediate;
    this.savepoint = db.transaction((write: () => unknown) => write());
  }

  /** Queues `write`; resolves with its result once the transaction holding it is committed. */
  run<T>(write: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ write, resolve: resolve as (value: unknown) => void, reject });
      if (this.queue.length === 1) setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    const batch = this.queue;
    this.queue = [];
    let outcomes: Outcome[];
    try {
      outcomes = this.wrap(() => this.commitBatch(batch));
    } catch (err) {
      for (const p of batch) p.reject(err);
      return;
    }
    outcomes.forEach((o, i) => (o.ok ? batch[i]!.resolve(o.value) : batch[i]!.reject(o.err)));
  }

  /** One write in a savepoint: its own failure rolls back only its rows. */
  private runOne(p: Pending): Outcome {
    try {
      return { ok: true, value: this.savepoint(p.write) };
    } catch (err) {
      if (isSqliteError(err, TRANSACTION_ERROR)) throw err;
      return { ok: false, err };
    }
  }
}
