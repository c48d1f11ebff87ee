import { isSqliteError, type Db } from './db.ts';

interface Pending {
  write: () => unknown;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

/** Errors that concern the whole transaction (disk, locks), not one write in it. */
const TRANSACTION_ERROR = /^SQLITE_(FULL|IOERR|BUSY|LOCKED|NOMEM|READONLY|CORRUPT)/;

/** One write of a batch threw: the transaction is rolled back and the others run again. */
class FailedWrite {
  constructor(
    readonly index: number,
    readonly err: unknown,
  ) {}
}

/**
 * Group commit: writes queued during one event-loop turn run in ONE `IMMEDIATE` transaction,
 * committed before any of their promises settles. A burst of scans (several gates, a busy
 * turnstile) pays one commit and writes shared B-tree pages once instead of once per scan; a
 * lone scan is committed in the same turn. Each write still runs synchronously from its reads
 * to its writes, in arrival order, and sees the ones before it.
 *
 * A write that throws rolls the whole transaction back; it is rejected and the others run
 * again without it, so it leaves no rows and they never see its rows. That costs a second
 * transaction in the rare failing case instead of a savepoint around every write (a savepoint
 * journals each page its write touches; docs/performance.md has the measurement).
 */
export class GroupCommit {
  private queue: Pending[] = [];
  // Built once: better-sqlite3's `transaction()` makes four wrappers per call.
  private readonly commitBatch: (batch: Pending[]) => unknown[];

  /**
   * @param wrap runs the whole transaction (the storage guard's retry on a full disk); it may
   * call its argument more than once, so a write must not have side effects outside SQLite.
   */
  constructor(
    db: Db,
    private readonly wrap: <T>(transaction: () => T) => T = (t) => t(),
  ) {
    this.commitBatch = db.transaction((batch: Pending[]) =>
      batch.map((p, i) => {
        try {
          return p.write();
        } catch (err) {
          if (isSqliteError(err, TRANSACTION_ERROR)) throw err;
          throw new FailedWrite(i, err);
        }
      }),
    ).immediate;
  }

  /** Queues `write`; resolves with its result once the transaction holding it is committed. */
  run<T>(write: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ write, resolve: resolve as (value: unknown) => void, reject });
      if (this.queue.length === 1) setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    let batch = this.queue;
    this.queue = [];
    while (batch.length > 0) {
      let values: unknown[];
      try {
        values = this.wrap(() => this.commitBatch(batch));
      } catch (err) {
        if (err instanceof FailedWrite) {
          batch[err.index]!.reject(err.err);
          batch = batch.filter((_, i) => i !== err.index);
          continue;
        }
        for (const p of batch) p.reject(err);
        return;
      }
      values.forEach((v, i) => batch[i]!.resolve(v));
      return;
    }
  }
}
