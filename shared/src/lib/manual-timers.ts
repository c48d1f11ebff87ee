import { ManualClock } from '../clock.ts';
import type { TimerHandle, Timers } from './timers.ts';

/**
 * Timers that move only when a test says so, on the `ManualClock` given (share it with the code
 * under test, so `clock.now()` inside a callback is the instant it was due). Fake time is this
 * injected object rather than `vi.useFakeTimers()`: it moves the timers of the code under test
 * only, never those of a real SQLite, HTTP server or broker beside it, so nothing global is
 * patched and real I/O can run in between.
 */
export class ManualTimers implements Timers {
  private readonly due = new Map<number, { at: number; fn: () => void }>();
  private lastId = 0;

  constructor(readonly clock: ManualClock = new ManualClock()) {}

  setTimeout(fn: () => void, ms: number): TimerHandle {
    this.due.set(++this.lastId, { at: this.clock.now() + Math.max(0, ms), fn });
    return this.lastId;
  }

  clearTimeout(handle: TimerHandle): void {
    this.due.delete(handle as number);
  }

  /** How many timers are waiting. */
  pending(): number {
    return this.due.size;
  }

  /** The waiting timers' delays from now, shortest first (a test reads a backoff off them). */
  delays(): number[] {
    const now = this.clock.now();
    return [...this.due.values()].map((t) => t.at - now).sort((a, b) => a - b);
  }

  /**
   * Runs every timer due within `ms`, in time order (then in the order they were set), those
   * they set in turn included, with the clock at each one's instant; then sets the clock to
   * the end.
   */
  advance(ms: number): void {
    const end = this.clock.now() + ms;
    while (this.runFirst(end));
    this.clock.set(end);
  }

  /** Moves the clock to the earliest timer and runs it; false when none is waiting. */
  runNext(): boolean {
    return this.runFirst(Infinity);
  }

  private runFirst(limit: number): boolean {
    let first: [number, { at: number; fn: () => void }] | undefined;
    for (const entry of this.due) {
      if (entry[1].at <= limit && (!first || entry[1].at < first[1].at)) first = entry;
    }
    if (!first) return false;
    this.due.delete(first[0]);
    if (first[1].at > this.clock.now()) this.clock.set(first[1].at);
    first[1].fn();
    return true;
  }
}
