import type { Clock } from '@lounge/shared';
import type { TrustedTimeStore } from './state/trusted-time.ts';

/** The clock part of `/healthz`, plus why it is suspect. */
export interface ClockStatus {
  suspect: boolean;
  skewSeconds: number;
  reason?: string;
}

/**
 * Watches the system clock against trusted time (SPEC.md 8): suspect when it is behind the
 * latest trusted instant, or when its last measured offset from the cloud exceeds the skew.
 * Both allow `clockSkewSeconds`, the same tolerance the token window uses.
 */
export class ClockGuard {
  constructor(
    private readonly store: TrustedTimeStore,
    private readonly clock: Clock,
    private readonly skewSeconds: number,
  ) {}

  /** A cloud HTTP `Date` header, read when the response arrived (`localMs`). */
  observeCloudDate(cloudMs: number, localMs: number = this.clock.now()): void {
    this.store.measure(cloudMs, localMs, 'cloud');
  }

  /** A time a trusted message vouches for (e.g. MQTT): now is at least this. */
  observeTrustedTime(trustedMs: number, source: string): void {
    this.store.raise(trustedMs, source);
  }

  status(): ClockStatus {
    const t = this.store.get();
    if (!t) return { suspect: false, skewSeconds: 0 };
    const tolMs = this.skewSeconds * 1000;
    const now = this.clock.now();
    const skewSeconds = t.skewMs === null ? 0 : Math.round(t.skewMs / 1000);
    if (t.skewMs !== null && Math.abs(t.skewMs) > tolMs) {
      const dir = t.skewMs > 0 ? 'ahead of' : 'behind';
      return {
        suspect: true,
        skewSeconds,
        reason: `system clock is ${Math.abs(skewSeconds)}s ${dir} the cloud (limit ${this.skewSeconds}s)`,
      };
    }
    if (now < t.trustedMs - tolMs) {
      const behind = Math.round((t.trustedMs - now) / 1000);
      return {
        suspect: true,
        skewSeconds: -behind,
        reason: `system clock is ${behind}s behind the last trusted time (${t.source})`,
      };
    }
    return { suspect: false, skewSeconds };
  }
}
