import type { Clock } from '@lounge/shared';

export interface LockoutOptions {
  clock: Clock;
  /** Wrong PINs in a row that lock a name (SPEC.md 8: 5). */
  maxFailures?: number;
  /** How long the lock lasts (SPEC.md 8: 5 minutes). */
  lockMs?: number;
  /** Names tracked at most; the oldest entry is forgotten first (a flood of made-up names). */
  maxNames?: number;
}

interface Entry {
  failures: number;
  lockedUntil: number | null;
}

/**
 * Sign-in lockout per name: after `maxFailures` wrong PINs in a row the name is locked for
 * `lockMs`, even for the right PIN; a right PIN before that clears the count. Names nobody has
 * are counted too, so a lock does not tell whether a name exists. In memory: a restart of the
 * agent clears it (restarting needs root on the box, which is past what a PIN protects).
 */
export class PinLockout {
  private readonly entries = new Map<string, Entry>();
  private readonly running = new Map<string, Promise<void>>();
  private readonly maxFailures: number;
  private readonly lockMs: number;
  private readonly maxNames: number;

  constructor(private readonly opts: LockoutOptions) {
    this.maxFailures = opts.maxFailures ?? 5;
    this.lockMs = opts.lockMs ?? 5 * 60_000;
    this.maxNames = opts.maxNames ?? 1000;
  }

  /** When the name's lock ends (ms), or null when it may try. */
  lockedUntil(name: string): number | null {
    const e = this.entries.get(name);
    if (e?.lockedUntil == null) return null;
    if (this.opts.clock.now() < e.lockedUntil) return e.lockedUntil;
    this.entries.delete(name); // the lock is over: a fresh count
    return null;
  }

  /** Counts a wrong PIN; returns when the name is now locked until, or null. */
  fail(name: string): number | null {
    const e = this.entries.get(name) ?? { failures: 0, lockedUntil: null };
    this.entries.delete(name); // re-inserted last: Map order is the eviction order
    e.failures++;
    if (e.failures >= this.maxFailures) e.lockedUntil = this.opts.clock.now() + this.lockMs;
    this.entries.set(name, e);
    if (this.entries.size > this.maxNames) {
      this.entries.delete(this.entries.keys().next().value!);
    }
    return e.lockedUntil;
  }

  /**
   * Runs one sign-in check for `name` after the ones already running for it: the PIN check is
   * async (scrypt), and ten parallel tries must not all pass the lock check before any counts.
   */
  exclusive<T>(name: string, check: () => Promise<T>): Promise<T> {
    const before = this.running.get(name) ?? Promise.resolve();
    const mine = before.then(check, check);
    const tail = mine.then(
      () => undefined,
      () => undefined,
    );
    this.running.set(name, tail);
    void tail.then(() => {
      if (this.running.get(name) === tail) this.running.delete(name);
    });
    return mine;
  }

  /** A right PIN: the count starts again. */
  succeed(name: string): void {
    this.entries.delete(name);
  }
}
