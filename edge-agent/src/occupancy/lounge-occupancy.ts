import {
  backgroundTimers,
  closingTimes,
  type Clock,
  type LoungeConfig,
  type Occupancy,
  type TimerHandle,
  type Timers,
} from '@lounge/shared';
import type { OccupancyStore, OccupancySum } from '../state/occupancy.ts';

export interface LoungeOccupancyOptions {
  store: OccupancyStore;
  clock: Clock;
  /** The closing-time timer; default the global timers, unref'd. */
  timers?: Timers;
  /** Called with the new count whenever inside or capacity changed (SSE, metrics). */
  onChange?: (occupancy: Occupancy) => void;
}

/** Longest wait before looking again whether a closing time has passed (clock changes). */
const MAX_WAIT_MS = 15 * 60_000;

/**
 * This box's view of the lounge's occupancy (SPEC.md 8): inside = max(0, Σ people) over the
 * lounge events held that count after the last closing time in the lounge's zone; the capacity
 * and hours come from the lounge config (cloud, MQTT), kept in SQLite across restarts. Without
 * a config there is no capacity and no reset.
 */
export class LoungeOccupancy {
  private cachedConfig: LoungeConfig | null | undefined;
  private window: { last: number; next: number } | null | undefined;
  private lastSent = '';
  private timer: TimerHandle | undefined;
  private pending: NodeJS.Immediate | undefined;
  /** Every change since the last event came with a committed sum (the memo is current). */
  private fresh = false;
  private stopped = false;

  private readonly timers: Timers;

  constructor(private readonly opts: LoungeOccupancyOptions) {
    this.timers = opts.timers ?? backgroundTimers;
  }

  /** People inside and the capacity now. Cheap: safe to call on every decision. */
  current(nowMs: number = this.opts.clock.now()): Occupancy {
    return this.reading(nowMs).occupancy;
  }

  /** `current`, with the sum it came from: a writer passes that to `changed` once committed. */
  reading(nowMs: number): { occupancy: Occupancy; sum: OccupancySum } {
    const config = this.config();
    const sum = this.opts.store.read(this.since(nowMs, config));
    return { occupancy: this.of(sum.sum, config), sum };
  }

  private of(sum: number, config: LoungeConfig | null): Occupancy {
    return { inside: Math.max(0, sum), capacity: config?.capacity ?? null };
  }

  config(): LoungeConfig | null {
    if (this.cachedConfig === undefined) this.cachedConfig = this.opts.store.config();
    return this.cachedConfig;
  }

  /** Keeps a config from the cloud unless an newer one is held; true when it changed. */
  setConfig(config: LoungeConfig): boolean {
    if (!this.opts.store.saveConfig(config)) return false;
    this.cachedConfig = undefined;
    this.window = undefined;
    this.changed();
    this.schedule();
    return true;
  }

  /**
   * Tells subscribers, once the current turn of the event loop is done, if inside or capacity
   * moved. Off the decision path: a burst of grants answers first and gives one event, with the
   * count after the burst.
   *
   * `committed` is the sum a writer read inside its transaction after its own rows, now
   * committed. When every change of the turn brings one, the event takes its count from them
   * instead of a read of its own (a statement outside a transaction costs a decision's
   * reads several times over); a change without one (a peer's event, a closing time) reads.
   * That holds because every writer of lounge events calls `changed` once it has committed.
   */
  changed(committed?: OccupancySum): void {
    if (committed) this.opts.store.adopt(committed);
    this.fresh = committed !== undefined && (this.pending === undefined || this.fresh);
    if (this.pending || this.stopped) return;
    this.pending = setImmediate(() => {
      this.pending = undefined;
      if (!this.stopped) this.emit();
    });
  }

  private emit(): void {
    const nowMs = this.opts.clock.now();
    const config = this.config();
    const held = this.fresh ? this.opts.store.memoSum(this.since(nowMs, config)) : undefined;
    this.fresh = false;
    const now = held === undefined ? this.current(nowMs) : this.of(held, config);
    const key = `${now.inside}/${now.capacity}`;
    if (key === this.lastSent) return;
    this.lastSent = key;
    this.opts.onChange?.(now);
  }

  /** Watches for closing time (the count resets: an SSE occupancy event). */
  start(): void {
    this.stopped = false;
    this.lastSent = '';
    this.changed();
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    this.cancelTimer();
    clearImmediate(this.pending);
    this.pending = undefined;
  }

  private cancelTimer(): void {
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    this.cancelTimer();
    const now = this.opts.clock.now();
    const window = this.since(now, this.config()) === null ? null : this.window;
    if (!window) return;
    this.timer = this.timers.setTimeout(
      () => {
        this.changed();
        this.schedule();
      },
      Math.min(MAX_WAIT_MS, Math.max(1000, window.next - now + 1)),
    );
  }

  /** The last closing time (cached until the next one), or null when the count never resets. */
  private since(nowMs: number, config: LoungeConfig | null): number | null {
    const w = this.window;
    if (w !== undefined && (w === null || (w.last <= nowMs && nowMs < w.next))) {
      return w?.last ?? null;
    }
    try {
      this.window = config ? closingTimes(nowMs, config.hours, config.timezone) : null;
    } catch {
      // A zone this runtime does not know (the cloud checks them): never reset rather than fail.
      this.window = null;
    }
    return this.window?.last ?? null;
  }
}
