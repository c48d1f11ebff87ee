export { backoffDelay } from './backoff.ts';
export type { BackoffOptions, Jitter } from './backoff.ts';
export { sleep } from './sleep.ts';
export type { Sleep } from './sleep.ts';
export { retry, retryAfterOf } from './retry.ts';
export type { RetryOptions } from './retry.ts';
export { parseRetryAfter } from './retry-after.ts';
export { CircuitBreaker, CircuitOpenError } from './circuit-breaker.ts';
export type { CircuitBreakerOptions, CircuitState } from './circuit-breaker.ts';
