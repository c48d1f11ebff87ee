/** An opaque timer handle (Node's Timeout, or whatever a fake returns). */
export type TimerHandle = unknown;

/** Timers, injected so tests can drive them (`vi.useFakeTimers()` or a hand-rolled fake). */
export interface Timers {
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** The global timers, unref'd so a pending retry never keeps a stopping process alive. */
export const systemTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, Math.max(0, ms)).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/**
 * A pause that ends after `ms`, on `wake()`, or on `cancel()` (shutdown); whichever is first.
 * A wake that arrives while nobody waits is remembered, so a loop never sleeps through it.
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
