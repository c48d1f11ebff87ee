import type { CircuitState } from '@lounge/shared';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { CallHook, Upstream } from './http-types.ts';

const NAMES = [
  'lounge_upstream_calls_total',
  'lounge_upstream_call_duration_seconds',
  'lounge_upstream_circuit_state',
];

const STATE_VALUE: Record<CircuitState, number> = { closed: 0, 'half-open': 1, open: 2 };

/**
 * Prometheus metrics for the upstream clients, registered on `registry`:
 * `lounge_upstream_calls_total{upstream,outcome}`, `lounge_upstream_call_duration_seconds`
 * and `lounge_upstream_circuit_state` (0 closed, 1 half-open, 2 open). Returns the call hook.
 */
export function registerIntegrationMetrics(
  registry: Registry,
  circuits: () => Record<Upstream, CircuitState>,
): CallHook {
  // A second set of clients on the same registry (tests, a reload) replaces the first's metrics.
  for (const name of NAMES) registry.removeSingleMetric(name);
  const calls = new Counter({
    name: 'lounge_upstream_calls_total',
    help: 'Calls to airline systems by final outcome (after retries)',
    labelNames: ['upstream', 'outcome'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'lounge_upstream_call_duration_seconds',
    help: 'Duration of calls to airline systems, retries included',
    labelNames: ['upstream'] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5],
    registers: [registry],
  });
  new Gauge({
    name: 'lounge_upstream_circuit_state',
    help: 'Circuit breaker per upstream: 0 closed, 1 half-open, 2 open',
    labelNames: ['upstream'] as const,
    registers: [registry],
    collect() {
      for (const [upstream, state] of Object.entries(circuits())) {
        this.set({ upstream }, STATE_VALUE[state]);
      }
    },
  });
  return (event) => {
    calls.inc({ upstream: event.upstream, outcome: event.outcome });
    duration.observe({ upstream: event.upstream }, event.durationMs / 1000);
  };
}
