import { CircuitBreaker, CircuitOpenError, joinUrl, parseRetryAfter, retry } from '@lounge/shared';
import { request } from 'undici';
import {
  AttemptError,
  DEFAULT_TUNING,
  type Accepted,
  type CallOutcome,
  type HttpAnswer,
  type HttpRequest,
  type HttpTuning,
  type Upstream,
  type UpstreamConfig,
  type UpstreamDeps,
} from './http-types.ts';
import { UpstreamUnavailableError } from './ports.ts';

/**
 * The HTTP machinery every upstream client shares: a whole-attempt timeout, bearer auth, retries
 * with backoff for idempotent requests, one circuit breaker, and one `onCall` event per call.
 */
export class HttpClient {
  readonly breaker: CircuitBreaker;
  private readonly tuning: HttpTuning;

  constructor(
    readonly upstream: Upstream,
    private readonly config: UpstreamConfig,
    private readonly deps: UpstreamDeps,
  ) {
    this.tuning = { ...DEFAULT_TUNING, ...deps.tuning };
    this.breaker = new CircuitBreaker({
      name: upstream,
      failureThreshold: this.tuning.failureThreshold,
      coolDownMs: this.tuning.coolDownMs,
      clock: deps.clock,
      isFailure: (e) => !(e instanceof AttemptError) || e.breakerFailure,
      onStateChange: (state, previous) =>
        deps.log[state === 'open' ? 'warn' : 'info'](
          { upstream, state, previous },
          `circuit ${upstream} ${state}`,
        ),
    });
  }

  /**
   * One logical call. `interpret` accepts an answer or throws an `AttemptError`; anything that
   * is not accepted in the end becomes an `UpstreamUnavailableError`.
   */
  async call<T>(
    operation: string,
    req: HttpRequest,
    interpret: (answer: HttpAnswer) => Accepted<T>,
  ): Promise<T> {
    const started = this.deps.clock.now();
    let attempts = 0;
    const report = (outcome: CallOutcome, status?: number): void =>
      this.deps.onCall?.({
        upstream: this.upstream,
        operation,
        outcome,
        attempts,
        durationMs: this.deps.clock.now() - started,
        ...(status === undefined ? {} : { status }),
      });
    try {
      const accepted = await retry(
        () => {
          attempts++;
          return this.breaker.run(() => this.attempt(req, interpret));
        },
        {
          retries: req.idempotent ? this.tuning.retries : 0,
          baseMs: this.tuning.baseMs,
          maxMs: this.tuning.maxMs,
          sleep: this.deps.sleep,
          random: this.deps.random,
          shouldRetry: (e) => e instanceof AttemptError && e.retryable,
          onRetry: ({ error, attempt, delayMs }) =>
            this.deps.log.warn(
              { upstream: this.upstream, operation, attempt, delayMs, err: String(error) },
              `${this.upstream} ${operation} failed; retrying`,
            ),
        },
      );
      report(accepted.outcome);
      return accepted.value;
    } catch (error) {
      const unavailable = this.toUnavailable(error);
      report(outcomeOf(error), unavailable.status);
      throw unavailable;
    }
  }

  /** One GET outside the breaker and without retries: true on 2xx (health checks). */
  async probe(path: string): Promise<boolean> {
    const req: HttpRequest = { method: 'GET', path, idempotent: false };
    const ok = (a: HttpAnswer): Accepted<boolean> => ({
      outcome: 'ok',
      value: a.status >= 200 && a.status < 300,
    });
    return (await this.attempt(req, ok)).value;
  }

  /** One request with the whole-attempt deadline; network failures become `AttemptError`s. */
  private async attempt<T>(
    req: HttpRequest,
    interpret: (answer: HttpAnswer) => Accepted<T>,
  ): Promise<Accepted<T>> {
    const { timeoutMs } = this.tuning;
    // undici's headersTimeout/bodyTimeout restart per phase; the abort bounds the whole attempt.
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), timeoutMs);
    try {
      const res = await request(joinUrl(this.config.url, req.path), {
        method: req.method,
        headers: this.headers(req.headers),
        body: req.body,
        signal: abort.signal,
        dispatcher: this.deps.dispatcher,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      const body = await res.body.text();
      return interpret({ status: res.statusCode, headers: res.headers, body });
    } catch (error) {
      if (error instanceof AttemptError) throw error;
      if (abort.signal.aborted || isUndiciTimeout(error)) {
        // A timed-out attempt already spent the caller's budget: no retry, but it is a failure.
        throw new AttemptError('timeout', `no answer within ${timeoutMs} ms`, false, true);
      }
      throw new AttemptError('network_error', describe(error), req.idempotent, true);
    } finally {
      clearTimeout(timer);
    }
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    const headers: Record<string, string> = { accept: 'application/json', ...extra };
    if (this.config.token) headers.authorization = `Bearer ${this.config.token}`;
    return headers;
  }

  /** Classifies an answer `interpret` did not accept: 429/5xx are transient, 4xx are ours. */
  unexpected(answer: HttpAnswer, idempotent: boolean): AttemptError {
    const { status } = answer;
    const retryAfterMs = parseRetryAfter(header(answer, 'retry-after'), this.deps.clock.now());
    if (status === 429 || status >= 500) {
      const outcome = status === 429 ? 'rate_limited' : 'server_error';
      return new AttemptError(outcome, `HTTP ${status}`, idempotent, true, status, retryAfterMs);
    }
    // Any other answer means one side has a bug; retrying will not help, the breaker stays shut.
    this.deps.log.error(
      { upstream: this.upstream, status, body: answer.body.slice(0, 500) },
      `${this.upstream} refused our request`,
    );
    return new AttemptError('rejected', `HTTP ${status}`, false, false, status);
  }

  /** A 2xx whose body failed validation: never trusted, logged, counted against the breaker. */
  malformed(answer: HttpAnswer, why: string): AttemptError {
    this.deps.log.error(
      { upstream: this.upstream, status: answer.status, why, body: answer.body.slice(0, 500) },
      `${this.upstream} answered a malformed body`,
    );
    return new AttemptError('malformed', `malformed answer: ${why}`, false, true, answer.status);
  }

  private toUnavailable(error: unknown): UpstreamUnavailableError {
    if (error instanceof AttemptError) {
      return new UpstreamUnavailableError(this.upstream, error.message, {
        status: error.status,
        retryAfterMs: error.retryAfterMs,
        cause: error,
      });
    }
    if (error instanceof CircuitOpenError) {
      return new UpstreamUnavailableError(this.upstream, 'circuit open', {
        retryAfterMs: error.retryAfterMs,
        cause: error,
      });
    }
    return new UpstreamUnavailableError(this.upstream, describe(error), { cause: error });
  }
}

function outcomeOf(error: unknown): CallOutcome {
  if (error instanceof AttemptError) return error.outcome;
  if (error instanceof CircuitOpenError) return 'circuit_open';
  return 'network_error';
}

/** JSON.parse that yields undefined (so zod reports it) instead of throwing. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** First value of a response header. */
export function header(answer: HttpAnswer, name: string): string | undefined {
  const value = answer.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function isUndiciTimeout(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT';
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? `${code}: ${error.message}` : error.message;
}
