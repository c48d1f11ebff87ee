import { Counter, Gauge, type Registry } from 'prom-client';
import { pendingAgeMs, uploadProblem, type UploadHealth } from './upload-health.ts';

/** The uploader's metrics on the agent's registry. */
export interface UploadMetrics {
  batches: Counter<'result'>;
  records: Counter;
}

/** Registers the uploader's counters (only when an uploader runs). */
export function createUploadMetrics(registry: Registry): UploadMetrics {
  const registers = [registry];
  return {
    batches: new Counter({
      name: 'lounge_edge_upload_batches_total',
      help: 'IBDP batch POSTs, by result (stored, retry-after, failed).',
      labelNames: ['result'],
      registers,
    }),
    records: new Counter({
      name: 'lounge_edge_upload_records_total',
      help: 'Access-log records stored by IBDP.',
      registers,
    }),
  };
}

const seconds = (iso: string | null | undefined): number => {
  const ms = iso ? Date.parse(iso) : Number.NaN;
  return Number.isFinite(ms) ? ms / 1000 : 0;
};

/**
 * The `/healthz` `uploads` figures as gauges, read at scrape time (SPEC.md 8): registered by the
 * agent whether or not an uploader runs, so a box without IBDP still shows its backlog.
 */
export function registerUploadHealthMetrics(
  registry: Registry,
  read: () => { health: UploadHealth; nowMs: number },
): void {
  const registers = [registry];
  const gauge = (name: string, help: string, value: (h: UploadHealth, now: number) => number) =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        const { health, nowMs } = read();
        this.set(value(health, nowMs));
      },
    });
  gauge(
    'lounge_edge_upload_pending_records',
    'Access-log records not yet stored by IBDP.',
    (h) => h.pending,
  );
  gauge(
    'lounge_edge_upload_oldest_pending_age_seconds',
    'Age of the oldest access-log record IBDP has not stored (0 when none).',
    (h, now) => pendingAgeMs(h, now) / 1000,
  );
  gauge(
    'lounge_edge_upload_last_success_timestamp_seconds',
    'When IBDP last stored a batch (Unix seconds; 0 = never).',
    (h) => seconds(h.lastUploadAt),
  );
  gauge(
    'lounge_edge_upload_last_error_timestamp_seconds',
    'When the last upload attempt failed (Unix seconds; 0 = the last attempt succeeded).',
    (h) => seconds(h.lastError?.at),
  );
  gauge(
    'lounge_edge_upload_last_error_status',
    'HTTP status of the last failed attempt (0 = none, or no answer).',
    (h) => h.lastError?.status ?? 0,
  );
  gauge(
    'lounge_edge_upload_stuck',
    '1 when /healthz is degraded by the uploads (oldest pending > 5 min, or a 4xx refusal).',
    (h, now) => (uploadProblem(h, now) ? 1 : 0),
  );
}
