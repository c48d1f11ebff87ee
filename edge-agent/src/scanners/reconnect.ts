/** The timer functions drivers use, injected so tests can drive time. */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Reconnect pacing: the first retry after about `base` ms, growing to `max` ms. */
export interface ReconnectOptions {
  base: number;
  max: number;
}

/** "Every few seconds" (SPEC.md section 8): 1 s, 2 s, 4 s, then 5 s. */
export const DEFAULT_RECONNECT: ReconnectOptions = { base: 1000, max: 5000 };

/**
 * Delay before reconnect attempt `attempt` (0-based): doubling, capped, with equal jitter so
 * several scanners unplugged together (a USB hub) do not all poll in the same tick.
 */
export function reconnectDelay(
  attempt: number,
  options: ReconnectOptions,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(options.max, options.base * 2 ** Math.min(attempt, 30));
  return Math.floor(ceiling / 2 + (ceiling / 2) * random());
}

/** One pending retry at a time; `stop()` cancels it for good. */
export class RetryTimer {
  private handle: unknown = null;
  private attempt = 0;
  private stopped = false;

  constructor(
    private readonly timers: Timers,
    private readonly options: ReconnectOptions,
    private readonly random: () => number = Math.random,
  ) {}

  /** Schedules `fn` after the next backoff delay; returns the delay, or null once stopped. */
  schedule(fn: () => void): number | null {
    if (this.stopped) return null;
    this.cancel();
    const delay = reconnectDelay(this.attempt++, this.options, this.random);
    this.handle = this.timers.setTimeout(() => {
      this.handle = null;
      if (!this.stopped) fn();
    }, delay);
    return delay;
  }

  /** A successful connection starts the next outage from the shortest delay again. */
  succeeded(): void {
    this.attempt = 0;
  }

  cancel(): void {
    if (this.handle !== null) this.timers.clearTimeout(this.handle);
    this.handle = null;
  }

  stop(): void {
    this.stopped = true;
    this.cancel();
  }
}
