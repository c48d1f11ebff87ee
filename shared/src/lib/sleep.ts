import { systemTimers, type Timers } from './timers.ts';

/** The error a `sleep` rejects with when its signal aborts without a reason of its own. */
function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The operation was aborted', 'AbortError');
}

/**
 * Resolves after `ms` on `timers`; rejects at once if `signal` aborts (so shutdown never waits
 * a backoff).
 */
export function sleep(
  ms: number,
  signal?: AbortSignal,
  timers: Timers = systemTimers,
): Promise<void> {
  if (signal?.aborted) return Promise.reject(abortError(signal));
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      timers.clearTimeout(timer);
      reject(abortError(signal!));
    };
    const timer = timers.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The shape of `sleep`, for injection. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;
