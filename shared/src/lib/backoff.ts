/** How random the delay is: `full` picks in [0, d], `equal` in [d/2, d]. */
export type Jitter = 'full' | 'equal';

export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
  /** Growth per attempt; 2 doubles the ceiling each time. */
  factor?: number;
  jitter?: Jitter;
  /** A number in [0, 1), injected so tests are deterministic. */
  random?: () => number;
}

/**
 * Delay before retry number `attempt` (0 for the first retry): exponential with jitter, so a
 * fleet that failed together does not come back together (AWS "Exponential Backoff And Jitter").
 */
export function backoffDelay(attempt: number, options: BackoffOptions): number {
  const { baseMs, maxMs, factor = 2, jitter = 'full', random = Math.random } = options;
  if (!Number.isFinite(attempt) || attempt < 0) {
    throw new RangeError(`backoffDelay: attempt must be >= 0, got ${attempt}`);
  }
  if (!(baseMs >= 0) || !(maxMs >= 0) || !(factor >= 1)) {
    throw new RangeError('backoffDelay: baseMs and maxMs must be >= 0 and factor >= 1');
  }
  // Capped before jitter; the exponent is bounded so large attempts do not overflow to NaN.
  const ceiling = Math.min(maxMs, baseMs * factor ** Math.min(attempt, 64));
  const r = random();
  const delay = jitter === 'full' ? ceiling * r : ceiling / 2 + (ceiling / 2) * r;
  return Math.floor(delay);
}
