import { backoffDelay, type TimerHandle, type Timers } from '@lounge/shared';

/** Reconnect pacing: the first retry after about `base` ms, growing to `max` ms. */
export interface ReconnectOptions {
  base: number;
  max: number;
}

/** "Every few seconds" (SPEC.md section 8): 1 s, 2 s, 4 s, then 5 s. */
export const DEFAULT_RECONNECT: ReconnectOptions = { base: 1000, max: 5000 };

/**
 * One pending retry at a time; `stop()` cancels it for good. The delay doubles up to `max`
 * with equal jitter, so several scanners unplugged together (a USB hub) do not all poll in
 * the same tick, yet each waits at least half its step.
 */
export class RetryTimer {
  private handle: TimerHandle | null = null;
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
    const { base, max } = this.options;
    const delay = backoffDelay(this.attempt++, {
      baseMs: base,
      maxMs: max,
      jitter: 'equal',
      random: this.random,
    });
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
