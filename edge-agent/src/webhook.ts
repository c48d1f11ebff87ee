import type { Decision } from '@lounge/shared';
import type { Logger } from 'pino';
import type { Fetch } from './jwks-cache.ts';

export interface TurnstileWebhookOptions {
  url: string;
  fetch: Fetch;
  log: Logger;
  timeoutMs?: number;
  onFailure?: () => void;
}

/**
 * POSTs decisions from attached scanners to the turnstile (SPEC.md 8): 500 ms timeout, one
 * attempt (a late "open" is worse than none), failures logged and counted, never blocking.
 */
export class TurnstileWebhook {
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly opts: TurnstileWebhookOptions) {}

  /** Fire and forget: the decision is already recorded and answered. */
  send(decision: Decision): void {
    const p = this.deliver(decision).finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
  }

  /** Resolves when deliveries in flight have finished (each is bounded by the timeout). */
  async drain(): Promise<void> {
    await Promise.all([...this.inFlight]);
  }

  private async deliver(decision: Decision): Promise<void> {
    const { url, log } = this.opts;
    try {
      const res = await this.opts.fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(decision),
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 500),
      });
      await res.body?.cancel();
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
    } catch (err) {
      this.opts.onFailure?.();
      log.warn(
        { url, eventId: decision.eventId, err: (err as Error).message },
        'turnstile webhook failed',
      );
    }
  }
}
