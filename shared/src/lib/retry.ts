import { backoffDelay, type Jitter } from './backoff.ts';
import { sleep as realSleep, type Sleep } from './sleep.ts';

export interface RetryOptions {
  /** Retries after the first attempt: `retries: 2` makes at most 3 calls. */
  retries: number;
  baseMs: number;
  maxMs: number;
  factor?: number;
  jitter?: Jitter;
  /** False stops at once and rethrows; default: retry every error. */
  shouldRetry?: (error: unknown, attempt: number) => boolean;
  sleep?: Sleep;
  random?: () => number;
  /** Called before each wait, for logs and metrics. `attempt` is the one that failed (0-based). */
  onRetry?: (info: { error: unknown; attempt: number; delayMs: number }) => void;
  /** Aborts the wait between attempts (shutdown). */
  signal?: AbortSignal;
}

/** The server-requested wait carried by an error (HTTP `Retry-After`), if any. */
export function retryAfterOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null || !('retryAfterMs' in error)) return undefined;
  const ms = error.retryAfterMs;
  return typeof ms === 'number' && Number.isFinite(ms) && ms >= 0 ? ms : undefined;
}

/**
 * Calls `fn` until it resolves, waiting with exponential backoff and jitter between attempts.
 * An error with `retryAfterMs` waits exactly that long instead; when that is longer than `maxMs`
 * the error is rethrown at once, still carrying `retryAfterMs`, so a queue can reschedule it.
 */
export async function retry<T>(
  fn: (attempt: number) => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  const { retries, shouldRetry = () => true, sleep = realSleep, onRetry, signal } = options;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      if (attempt >= retries || !shouldRetry(error, attempt) || signal?.aborted) throw error;
      const requested = retryAfterOf(error);
      if (requested !== undefined && requested > options.maxMs) throw error;
      const delayMs = requested ?? backoffDelay(attempt, options);
      onRetry?.({ error, attempt, delayMs });
      await sleep(delayMs, signal);
    }
  }
}
