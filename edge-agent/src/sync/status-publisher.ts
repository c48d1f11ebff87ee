import type { Clock, TimerHandle, Timers } from '@lounge/shared';
import { buildHeartbeat, changeKey, type HeartbeatFacts } from './heartbeat.ts';

export interface StatusPublisherOptions {
  topic: string;
  version: string;
  clock: Clock;
  timers: Timers;
  /** The agent's health and the rest of the heartbeat, read fresh for every message. */
  facts: () => HeartbeatFacts;
  /** Retained QoS 1 publish. */
  publish: (topic: string, payload: string) => Promise<void>;
  /** A heartbeat at least this often (SPEC.md 6: 60 s). */
  intervalMs?: number;
  /** At most one early heartbeat per this interval (SPEC.md 6: 5 s). */
  minIntervalMs?: number;
  /** How often the health is looked at for a change of status or scanner state (1 s). */
  checkIntervalMs?: number;
}

/**
 * The retained device status (SPEC.md 6) while connected: a heartbeat on connect, every 60 s,
 * and early (rate limited to one per 5 s, trailing edge so the latest state always goes out)
 * when the `/healthz` status or a scanner's state changes, or revocations were applied. The
 * will and the goodbye are `offline()`. Nothing runs while disconnected: the broker holds the
 * will, and the next connect publishes at once.
 */
export class StatusPublisher {
  private lastAt = -Infinity;
  private lastKey: string | undefined;
  private early: TimerHandle | undefined;
  private periodic: TimerHandle | undefined;
  private check: TimerHandle | undefined;
  private running = false;

  constructor(private readonly opts: StatusPublisherOptions) {}

  /** `{online:false, at}`: the last will (set at each connect) and the goodbye on stop. */
  offline(): string {
    return JSON.stringify({ online: false, at: this.iso() });
  }

  /** Connected: publishes now and keeps publishing until `pause()` or `stop()`. */
  start(): void {
    this.running = true;
    this.publishNow();
    this.scheduleCheck();
  }

  /** Disconnected: no timers until the next `start()`. */
  pause(): void {
    this.running = false;
    this.clear();
  }

  stop(): void {
    this.pause();
  }

  /** Publishes once the rate limit allows (revocations applied, a change seen). */
  soon(): void {
    if (!this.running || this.early !== undefined) return;
    const min = this.opts.minIntervalMs ?? 5000;
    const wait = Math.max(0, this.lastAt + min - this.opts.clock.now());
    this.early = this.opts.timers.setTimeout(() => {
      this.early = undefined;
      this.publishNow();
    }, wait);
  }

  private publishNow(): void {
    if (!this.running) return;
    const { timers, clock } = this.opts;
    if (this.early !== undefined) timers.clearTimeout(this.early);
    this.early = undefined;
    if (this.periodic !== undefined) timers.clearTimeout(this.periodic);
    this.periodic = timers.setTimeout(() => {
      this.periodic = undefined;
      this.publishNow();
    }, this.opts.intervalMs ?? 60_000);
    this.lastAt = clock.now();
    let payload: string;
    try {
      const facts = this.opts.facts();
      this.lastKey = changeKey(facts.health);
      payload = JSON.stringify(buildHeartbeat(facts, this.opts.version, this.lastAt));
    } catch {
      return; // the agent is stopping (database closed): the next connect publishes again
    }
    // Failures are ignored: the next heartbeat, or the next connect, publishes again.
    this.opts.publish(this.opts.topic, payload).catch(() => undefined);
  }

  private scheduleCheck(): void {
    if (this.check !== undefined) this.opts.timers.clearTimeout(this.check);
    this.check = this.opts.timers.setTimeout(() => {
      this.check = undefined;
      if (!this.running) return;
      try {
        if (changeKey(this.opts.facts().health) !== this.lastKey) this.soon();
      } catch {
        // as above: looked at again on the next check
      }
      this.scheduleCheck();
    }, this.opts.checkIntervalMs ?? 1000);
  }

  private clear(): void {
    const { timers } = this.opts;
    for (const h of [this.early, this.periodic, this.check]) {
      if (h !== undefined) timers.clearTimeout(h);
    }
    this.early = this.periodic = this.check = undefined;
  }

  private iso(): string {
    return new Date(this.opts.clock.now()).toISOString();
  }
}
