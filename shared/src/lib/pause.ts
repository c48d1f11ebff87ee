import type { TimerHandle, Timers } from './timers.ts';

/**
 * A loop's idle wait: it ends after `ms`, on `wake()` (new work), or on `cancel()` (shutdown),
 * whichever is first. A wake that arrives while nobody waits is remembered, so a loop never
 * sleeps through work that came in while it was busy. After `cancel()` every wait ends at once.
 */
export class Pause {
  private resolve: (() => void) | undefined;
  private timer: TimerHandle | undefined;
  private pendingWake = false;
  private cancelled = false;

  constructor(private readonly timers: Timers) {}

  wait(ms: number): Promise<void> {
    if (this.cancelled) return Promise.resolve();
    if (this.pendingWake) {
      this.pendingWake = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.resolve = resolve;
      this.timer = this.timers.setTimeout(() => this.end(), ms);
    });
  }

  wake(): void {
    if (this.resolve) this.end();
    else this.pendingWake = true;
  }

  cancel(): void {
    this.cancelled = true;
    this.end();
  }

  private end(): void {
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    const r = this.resolve;
    this.resolve = undefined;
    r?.();
  }
}
