import type { Db } from './db.ts';

/** Who holds the lock: 0 nobody, else the holder's number (the agent's thread, the decision thread). */
export const MAIN_THREAD = 1;
export const DECISION_THREAD = 2;

/** Past this wait a writer goes ahead and leaves the wait to SQLite's busy handler. */
const GIVE_UP_MS = 2000;

/**
 * One write lock over the threads that write edge.db through their own connections (the agent
 * and its decision thread). SQLite serialises them anyway, but a connection that finds the
 * write lock taken sleeps in its busy handler, 1 ms at first: measured, 3% of the agent's
 * writes during a scan storm waited ≥ 1 ms (max 8 ms), and a scan met the same from the
 * other side. This lock hands over in microseconds (Atomics.wait / notify on shared memory).
 * It is an optimisation, not the guarantee: past 2 s a writer goes ahead and SQLite decides.
 */
export class WriteLock {
  readonly buffer: SharedArrayBuffer;
  private readonly cell: Int32Array;
  private depth = 0;

  constructor(
    readonly holder: number,
    buffer: SharedArrayBuffer = new SharedArrayBuffer(4),
  ) {
    this.buffer = buffer;
    this.cell = new Int32Array(buffer);
  }

  /** Runs `fn` holding the lock (re-entrant on one thread). */
  hold<T>(fn: () => T): T {
    if (this.depth > 0) return fn();
    const held = this.acquire();
    this.depth++;
    try {
      return fn();
    } finally {
      this.depth--;
      if (held) this.release();
    }
  }

  /** Frees the lock if `holder` died holding it (a decision thread that exited). */
  releaseIfHeldBy(holder: number): void {
    if (Atomics.compareExchange(this.cell, 0, holder, 0) === holder) Atomics.notify(this.cell, 0);
  }

  private acquire(): boolean {
    const deadline = performance.now() + GIVE_UP_MS;
    for (;;) {
      const was = Atomics.compareExchange(this.cell, 0, 0, this.holder);
      if (was === 0) return true;
      const left = deadline - performance.now();
      if (left <= 0) return false;
      Atomics.wait(this.cell, 0, was, Math.min(left, 50));
    }
  }

  private release(): void {
    Atomics.store(this.cell, 0, 0);
    Atomics.notify(this.cell, 0, 1);
  }
}

/**
 * Makes every write of `db` take `lock`: IMMEDIATE and EXCLUSIVE transactions (the edge's
 * write transactions are all IMMEDIATE) and write statements run outside a transaction.
 * Deferred transactions are the edge's read snapshots and go without it. Call before any
 * statement is prepared on `db`.
 */
export function shareWriteLock(db: Db, lock: WriteLock): void {
  const transaction = db.transaction.bind(db);
  db.transaction = ((fn: (...args: never[]) => unknown) => {
    const t = transaction(fn);
    const locked = (variant: (...args: unknown[]) => unknown) =>
      function (this: unknown, ...args: unknown[]) {
        return lock.hold(() => variant.apply(this, args));
      };
    const tx = function (this: unknown, ...args: unknown[]) {
      return t.apply(this, args as never);
    };
    const variants = {
      default: { value: tx },
      deferred: { value: t.deferred },
      immediate: { value: locked(t.immediate as never) },
      exclusive: { value: locked(t.exclusive as never) },
      database: { value: db, enumerable: true },
    };
    Object.defineProperties(tx, variants);
    return tx;
  }) as Db['transaction'];

  const prepare = db.prepare.bind(db);
  db.prepare = ((sql: string) => {
    const stmt = prepare(sql);
    if (!stmt.reader) {
      const run = stmt.run.bind(stmt);
      stmt.run = (...args: unknown[]) =>
        db.inTransaction ? run(...(args as [])) : lock.hold(() => run(...(args as [])));
    }
    return stmt;
  }) as Db['prepare'];
}
