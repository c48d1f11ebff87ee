import type { Clock } from '@lounge/shared';
import type { TimerHandle, Timers } from './timers.ts';

export interface StatusPublisherOptions {
  topic: string;
  version: string;
  clock: Clock;
  timers: Timers;
  revocationSeq: () => number;
  /** Retained QoS 1 publish. */
  publish: (topic: string, payload: string) => Promise<void>;
  /** At most one status message per this interval after revocations (default 5 s). */
  minIntervalMs?: number;
}

/**
 * The retained device status `{online, version, revocationSeq, at}` (SPEC.md 6): on every
 * connect, and after revocations are applied, rate limited so a catch-up of 100,000 sends one.
 */
export class StatusPublisher {
  private lastAt = -Infinity;
  private timer: TimerHandle | undefined;

  constructor(private readonly opts: StatusPublisherOptions) {}

  payload(online: boolean): string {
    return JSON.stringify({
      online,
      version: this.opts.version,
      revocationSeq: this.opts.revocationSeq(),
      at: new Date(this.opts.clock.now()).toISOString(),
    });
  }

  /** Publishes now (on connect). Failures are ignored: the next connect publishes again. */
  now(): void {
    this.clear();
    this.lastAt = this.opts.clock.now();
    this.opts.publish(this.opts.topic, this.payload(true)).catch(() => undefined);
  }

  /** Publishes once the rate limit allows (trailing edge, so the last seq always goes out). */
  soon(): void {
    if (this.timer !== undefined) return;
    const min = this.opts.minIntervalMs ?? 5000;
    const wait = Math.max(0, this.lastAt + min - this.opts.clock.now());
    this.timer = this.opts.timers.setTimeout(() => {
      this.timer = undefined;
      this.now();
    }, wait);
  }

  stop(): void {
    this.clear();
  }

  private clear(): void {
    if (this.timer !== undefined) this.opts.timers.clearTimeout(this.timer);
    this.timer = undefined;
  }
}
