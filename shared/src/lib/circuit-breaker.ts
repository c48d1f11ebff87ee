import type { Clock } from '../clock.ts';

export type CircuitState = 'closed' | 'open' | 'half-open';

/** Thrown by `CircuitBreaker.run` while the circuit is open; no call was made. */
export class CircuitOpenError extends Error {
  readonly code = 'CIRCUIT_OPEN';
  constructor(
    readonly circuit: string,
    /** Time left until a trial call is allowed: a queue can wait this long. */
    readonly retryAfterMs: number,
  ) {
    super(`circuit ${circuit} is open`);
    this.name = 'CircuitOpenError';
  }
}

export interface CircuitBreakerOptions {
  /** Used in errors and state-change callbacks. */
  name: string;
  /** Consecutive failures that open the circuit. */
  failureThreshold: number;
  /** Time the circuit stays open before one trial call is let through. */
  coolDownMs: number;
  clock: Clock;
  /** Errors that prove the upstream is unhealthy; others (e.g. a 4xx) pass through. Default: all. */
  isFailure?: (error: unknown) => boolean;
  onStateChange?: (state: CircuitState, previous: CircuitState) => void;
}

/**
 * Closed → open after `failureThreshold` consecutive failures → half-open after `coolDownMs`,
 * when exactly one trial call goes through: success closes the circuit, failure reopens it.
 */
export class CircuitBreaker {
  private failures = 0;
  private openedAt: number | null = null;
  private trialInFlight = false;
  private lastState: CircuitState = 'closed';

  constructor(private readonly options: CircuitBreakerOptions) {
    if (!(options.failureThreshold >= 1) || !(options.coolDownMs >= 0)) {
      throw new RangeError('CircuitBreaker: failureThreshold must be >= 1 and coolDownMs >= 0');
    }
  }

  /** The current state, for metrics and health checks. */
  state(): CircuitState {
    if (this.openedAt === null) return 'closed';
    if (this.trialInFlight) return 'half-open';
    return this.remainingMs() > 0 ? 'open' : 'half-open';
  }

  /** Runs `fn` through the breaker; throws `CircuitOpenError` without calling it when open. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    const state = this.state();
    if (state === 'open' || (state === 'half-open' && this.trialInFlight)) {
      throw new CircuitOpenError(this.options.name, this.remainingMs());
    }
    const trial = state === 'half-open';
    if (trial) this.trialInFlight = true;
    this.notify();
    try {
      const result = await fn();
      this.onSuccess();
      return result;
    } catch (error) {
      if (this.options.isFailure?.(error) ?? true) this.onFailure(trial);
      else this.onSuccess(); // the upstream answered: it is up, even if the answer is an error
      throw error;
    } finally {
      if (trial) this.trialInFlight = false;
      this.notify();
    }
  }

  private remainingMs(): number {
    if (this.openedAt === null) return 0;
    return Math.max(0, this.openedAt + this.options.coolDownMs - this.options.clock.now());
  }

  private onSuccess(): void {
    this.failures = 0;
    this.openedAt = null;
  }

  private onFailure(trial: boolean): void {
    this.failures++;
    if (trial || this.failures >= this.options.failureThreshold) {
      this.openedAt = this.options.clock.now();
    }
  }

  private notify(): void {
    const state = this.state();
    if (state === this.lastState) return;
    const previous = this.lastState;
    this.lastState = state;
    this.options.onStateChange?.(state, previous);
  }
}
