import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { laneAgeSeconds } from './outbox/lanes.ts';
import type { OutboxKind, OutboxLane } from './store/port.ts';

/** The fleet gauges (docs/operations.md, "Fleet alerts"). */
export interface FleetSummary {
  /** Active devices by state: `stale` first, then `online` or `offline` (will received). */
  devices: { online: number; offline: number; stale: number };
  /** The worst `sync.revocationLag` reported by a device that is not stale. */
  maxRevocationLag: number;
  /** The age of the oldest pending IBDP upload across the fleet (not stale), seconds. */
  oldestPendingUploadSeconds: number;
  /** Scanners reported not `connected`, across the fleet (not stale). */
  scannersDown: number;
  /** Devices (not stale) whose heartbeat says their clock is suspect. */
  clocksSuspect: number;
}

/** The cloud's Prometheus metrics, on a registry of their own (no global state). */
export interface CloudMetrics {
  registry: Registry;
  requests: Counter<'method' | 'route' | 'status'>;
  latency: Histogram<'method' | 'route'>;
  /** Issuance outcomes: `OK` or the problem code. */
  issuance: Counter<'code'>;
  oversizeTokens: Counter;
  outboxDelivered: Counter<'kind'>;
  outboxFailed: Counter<'kind'>;
  /** Lounge events stored, by channel (`http`, `mqtt`, `cloud`) and type. */
  loungeEvents: Counter<'channel' | 'type'>;
  /** Lounge events refused (never applied), by channel and refusal code (SPEC.md 5). */
  loungeEventsRefused: Counter<'channel' | 'code'>;
  /** Grants that took an invitation past its entries (boxes granting within the window). */
  doubleConsumptions: Counter;
}

/** Creates the metrics; `backlog` is read on each scrape. */
export function createMetrics(
  backlog: () => Promise<Record<OutboxKind, number>>,
  opts: {
    defaults?: boolean;
    /** Each outbox lane (`store.outboxLanes()`), for the age and error gauges; read on scrape. */
    lanes?: () => Promise<Record<OutboxKind, OutboxLane>>;
    now?: () => number;
    /** The fleet from the devices' heartbeats (`fleetSummaryReader`); read on scrape. */
    fleet?: () => Promise<FleetSummary>;
  } = {},
): CloudMetrics {
  const registry = new Registry();
  if (opts.defaults) collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'lounge_http_requests_total',
    help: 'HTTP requests by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'lounge_http_request_duration_seconds',
    help: 'HTTP request latency',
    labelNames: ['method', 'route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const issuance = new Counter({
    name: 'lounge_invitations_issuance_total',
    help: 'Invitation issuance outcomes by code (OK or the problem code)',
    labelNames: ['code'] as const,
    registers: [registry],
  });
  const oversizeTokens = new Counter({
    name: 'lounge_tokens_oversize_total',
    help: 'Tokens longer than 360 characters (QR above version 14)',
    registers: [registry],
  });
  const outboxDelivered = new Counter({
    name: 'lounge_outbox_delivered_total',
    help: 'Outbox events delivered by kind',
    labelNames: ['kind'] as const,
    registers: [registry],
  });
  const outboxFailed = new Counter({
    name: 'lounge_outbox_failed_total',
    help: 'Outbox delivery attempts that failed, by kind',
    labelNames: ['kind'] as const,
    registers: [registry],
  });
  const loungeEvents = new Counter({
    name: 'lounge_events_recorded_total',
    help: 'Lounge events stored, by channel and type',
    labelNames: ['channel', 'type'] as const,
    registers: [registry],
  });
  const loungeEventsRefused = new Counter({
    name: 'lounge_events_refused_total',
    help: 'Lounge events refused and not applied, by channel and code',
    labelNames: ['channel', 'code'] as const,
    registers: [registry],
  });
  const doubleConsumptions = new Counter({
    name: 'lounge_double_consumptions_total',
    help: 'Grants that took an invitation past its entries (two boxes within the propagation window)',
    registers: [registry],
  });
  new Gauge({
    name: 'lounge_outbox_backlog',
    help: 'Undelivered outbox events by kind',
    labelNames: ['kind'] as const,
    registers: [registry],
    async collect() {
      const counts = await backlog();
      for (const [kind, n] of Object.entries(counts)) this.set({ kind }, n);
    },
  });
  const { lanes } = opts;
  if (lanes) {
    const now = opts.now ?? Date.now;
    new Gauge({
      name: 'lounge_outbox_oldest_pending_age_seconds',
      help: 'Age of the oldest undelivered outbox event by kind (0 when none)',
      labelNames: ['kind'] as const,
      registers: [registry],
      async collect() {
        for (const [kind, lane] of Object.entries(await lanes())) {
          this.set({ kind }, laneAgeSeconds(lane, now()));
        }
      },
    });
    new Gauge({
      name: 'lounge_outbox_failing_attempts',
      help: 'Failed attempts of the oldest undelivered event that failed, by kind (0 = none failing)',
      labelNames: ['kind'] as const,
      registers: [registry],
      async collect() {
        for (const [kind, lane] of Object.entries(await lanes())) {
          this.set({ kind }, lane.lastError?.attempts ?? 0);
        }
      },
    });
  }
  if (opts.fleet) fleetGauges(registry, opts.fleet);
  return {
    registry,
    requests,
    latency,
    issuance,
    oversizeTokens,
    outboxDelivered,
    outboxFailed,
    loungeEvents,
    loungeEventsRefused,
    doubleConsumptions,
  };
}

/**
 * The fleet gauges alerting needs (deploy/prometheus/alerts.yml). Every instance reads them
 * from the database, so any one scraped shows the same; the rules take `max` over instances.
 */
function fleetGauges(registry: Registry, fleet: () => Promise<FleetSummary>): void {
  const gauge = (name: string, help: string, pick: (f: FleetSummary) => number): Gauge<string> =>
    new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        this.set(pick(await fleet()));
      },
    });
  new Gauge({
    name: 'lounge_fleet_devices',
    help: 'Active devices by state: stale (no heartbeat for 3 min), online, offline (will received)',
    labelNames: ['state'] as const,
    registers: [registry],
    async collect() {
      const { devices } = await fleet();
      for (const [state, n] of Object.entries(devices)) this.set({ state }, n);
    },
  });
  gauge(
    'lounge_fleet_revocation_lag_max',
    'The worst revocation lag a device (not stale) reports',
    (f) => f.maxRevocationLag,
  );
  gauge(
    'lounge_fleet_upload_oldest_pending_age_seconds',
    'Age of the oldest access-log record not yet stored in IBDP, across the fleet (0 when none)',
    (f) => f.oldestPendingUploadSeconds,
  );
  gauge(
    'lounge_fleet_scanners_down',
    'Scanners reported disconnected or in error across the fleet',
    (f) => f.scannersDown,
  );
  gauge(
    'lounge_fleet_clocks_suspect',
    'Devices whose clock is suspect (decisions carry clockSuspect)',
    (f) => f.clocksSuspect,
  );
}
