import type { Occupancy } from '@lounge/shared';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The agent's Prometheus metrics, on a registry of its own (no global state). */
export interface EdgeMetrics {
  registry: Registry;
  decisions: Counter<'decision' | 'reason' | 'source'>;
  decisionLatency: Histogram<'source'>;
  annulments: Counter;
  webhookFailures: Counter;
  scannerDrops: Counter<'scanner' | 'reason'>;
  doubleReads: Counter<'scanner'>;
  scanRetries: Counter;
}

/** Creates the registry served at `GET /metrics`. */
export function createMetrics(opts: { defaultMetrics?: boolean } = {}): EdgeMetrics {
  const registry = new Registry();
  if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  return {
    registry,
    decisions: new Counter({
      name: 'lounge_edge_decisions_total',
      help: 'Access decisions recorded, by decision, reason and source (api or scanner).',
      labelNames: ['decision', 'reason', 'source'],
      registers: [registry],
    }),
    decisionLatency: new Histogram({
      name: 'lounge_edge_decision_latency_seconds',
      help: 'From scan receipt to recorded decision.',
      labelNames: ['source'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    annulments: new Counter({
      name: 'lounge_edge_annulments_total',
      help: 'Grants annulled because the turnstile did not turn.',
      registers: [registry],
    }),
    webhookFailures: new Counter({
      name: 'lounge_edge_webhook_failures_total',
      help: 'Turnstile webhook deliveries that failed (error, timeout or non-2xx).',
      registers: [registry],
    }),
    scannerDrops: new Counter({
      name: 'lounge_edge_scanner_drops_total',
      help: 'Scanner input that never became a scan (oversized, unreadable, incomplete).',
      labelNames: ['scanner', 'reason'],
      registers: [registry],
    }),
    doubleReads: new Counter({
      name: 'lounge_edge_scanner_double_reads_total',
      help: 'Scanner reads dropped as double reads (same code, same scanner, within 1.5 s).',
      labelNames: ['scanner'],
      registers: [registry],
    }),
    scanRetries: new Counter({
      name: 'lounge_edge_scan_retries_total',
      help: 'POST /v1/scan retries (known scanId) answered with the recorded decision.',
      registers: [registry],
    }),
  };
}

/** `lounge_edge_occupancy_inside` and `_capacity` (0: no capacity set), read at scrape time. */
export function registerOccupancyMetrics(registry: Registry, read: () => Occupancy): void {
  new Gauge({
    name: 'lounge_edge_occupancy_inside',
    help: 'People inside the lounge, as this box counts them (SPEC.md 8).',
    registers: [registry],
    collect() {
      this.set(read().inside);
    },
  });
  new Gauge({
    name: 'lounge_edge_occupancy_capacity',
    help: "The lounge's capacity; 0 when none is set.",
    registers: [registry],
    collect() {
      this.set(read().capacity ?? 0);
    },
  });
}
