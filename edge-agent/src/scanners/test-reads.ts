import { ProblemError, systemTimers, type Timers } from '@lounge/shared';

type Code = Uint8Array | string;

interface Waiter {
  resolve(code: Code | undefined): void;
}

/**
 * `POST /v1/scanners/:id/test` (SPEC.md 8): the next read of one scanner goes to the waiting
 * test instead of the decision path, so `lounge-provision test-scan` sees what the scanner
 * sends while the agent holds the port, and nothing is consumed, logged or sent. At most one
 * test waits per scanner; it ends at its timeout or when the caller hangs up, so a test left
 * behind never swallows a guest's scan later.
 */
export class ScannerTestReads {
  private readonly waiting = new Map<string, Waiter>();

  constructor(private readonly timers: Timers = systemTimers) {}

  /** Resolves with the scanner's next read, or undefined after `timeoutMs` or an abort. */
  take(scannerId: string, timeoutMs: number, signal?: AbortSignal): Promise<Code | undefined> {
    if (this.waiting.has(scannerId)) {
      throw new ProblemError('SCANNER_TEST_BUSY', `a test read is already waiting on ${scannerId}`);
    }
    return new Promise((resolve) => {
      const done = (code: Code | undefined): void => {
        this.timers.clearTimeout(timer);
        signal?.removeEventListener('abort', abort);
        if (this.waiting.get(scannerId) === waiter) this.waiting.delete(scannerId);
        resolve(code);
      };
      const abort = (): void => done(undefined);
      const waiter: Waiter = { resolve: done };
      const timer = this.timers.setTimeout(abort, timeoutMs);
      if (signal?.aborted) return done(undefined);
      signal?.addEventListener('abort', abort, { once: true });
      this.waiting.set(scannerId, waiter);
    });
  }

  /** Hands a read to the test waiting on its scanner; false when none waits (decide it). */
  offer(scannerId: string, code: Code): boolean {
    const waiter = this.waiting.get(scannerId);
    if (!waiter) return false;
    waiter.resolve(code);
    return true;
  }
}
