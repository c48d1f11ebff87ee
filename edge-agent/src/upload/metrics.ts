import { Counter, Gauge, type Registry } from 'prom-client';

/** The uploader's metrics on the agent's registry. */
export interface UploadMetrics {
  batches: Counter<'result'>;
  records: Counter;
}

/** Registers the upload metrics; the backlog gauge is read at scrape time. */
export function createUploadMetrics(registry: Registry, pending: () => number): UploadMetrics {
  const registers = [registry];
  new Gauge({
    name: 'lounge_edge_upload_pending_records',
    help: 'Access-log records not yet stored by IBDP.',
    registers,
    collect() {
      this.set(pending());
    },
  });
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
