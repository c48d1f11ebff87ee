import type { Clock, Sleep } from '@lounge/shared';
import type { Logger } from 'pino';
import type { Dispatcher } from 'undici';
import type { UpstreamUnavailableError } from './ports.ts';

/** Types of the shared HTTP client (`http-client.ts`) and the hooks it reports to. */

export type Upstream = UpstreamUnavailableError['upstream'];

/** How one call ended, for counters: success outcomes first. */
export type CallOutcome =
  | 'ok'
  | 'not_found'
  | 'duplicate'
  | 'rejected'
  | 'malformed'
  | 'server_error'
  | 'rate_limited'
  | 'timeout'
  | 'network_error'
  | 'circuit_open';

/** One finished call (after its retries), reported to `onCall`. */
export interface CallEvent {
  upstream: Upstream;
  operation: string;
  outcome: CallOutcome;
  attempts: number;
  durationMs: number;
  status?: number;
}

export type CallHook = (event: CallEvent) => void;

/** Timeouts, retries and breaker settings; the defaults follow SPEC.md section 5. */
export interface HttpTuning {
  /** Whole attempt: connect, headers and body. */
  timeoutMs: number;
  retries: number;
  baseMs: number;
  maxMs: number;
  failureThreshold: number;
  coolDownMs: number;
}

export const DEFAULT_TUNING: HttpTuning = {
  timeoutMs: 2_000,
  retries: 2,
  baseMs: 100,
  maxMs: 1_000,
  failureThreshold: 5,
  coolDownMs: 30_000,
};

export interface UpstreamConfig {
  url: string;
  token?: string | undefined;
}

export interface UpstreamDeps {
  clock: Clock;
  log: Logger;
  /** An undici Agent (keep-alive, test pools); the global dispatcher otherwise. */
  dispatcher?: Dispatcher | undefined;
  onCall?: CallHook | undefined;
  sleep?: Sleep | undefined;
  random?: (() => number) | undefined;
  tuning?: Partial<HttpTuning> | undefined;
}

/** A complete answer: status, headers and the body read within the timeout. */
export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface HttpRequest {
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** Safe to repeat (GET, or a POST with an Idempotency-Key). */
  idempotent: boolean;
}

/** A failed attempt, classified: whether to retry it and whether it counts against the breaker. */
export class AttemptError extends Error {
  constructor(
    readonly outcome: CallOutcome,
    detail: string,
    readonly retryable: boolean,
    readonly breakerFailure: boolean,
    readonly status?: number,
    readonly retryAfterMs?: number,
  ) {
    super(detail);
    this.name = 'AttemptError';
  }
}

/** What `interpret` returns for an answer it accepts. */
export interface Accepted<T> {
  outcome: 'ok' | 'not_found' | 'duplicate';
  value: T;
}
