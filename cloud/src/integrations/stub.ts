import { systemClock, type Clock } from '@lounge/shared';
import type { CrmEvent, IbdpDataset, Integrations } from './ports.ts';
import { UpstreamUnavailableError } from './ports.ts';
import { UNAVAILABLE_CUSTOMER, UNAVAILABLE_FLIGHT, stubFlight, stubMember } from './stub-data.ts';

/** One batch the IBDP stub stored. */
export interface StoredBatch {
  dataset: IbdpDataset;
  batchId: string;
  records: object[];
}

/** In-process integrations with what the CRM and IBDP stand-ins received, for tests. */
export interface StubIntegrations extends Integrations {
  crm: Integrations['crm'] & { readonly events: CrmEvent[] };
  ibdp: Integrations['ibdp'] & {
    readonly batches: StoredBatch[];
    /** Every record stored in `dataset`, in arrival order. */
    records(dataset: IbdpDataset): object[];
  };
}

// A JSON round trip: what a real upstream would have received, immune to later mutation.
const wire = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/**
 * The stand-ins behind `INTEGRATIONS=stub` (demo and tests), following `stub-data.ts`. Like the
 * real CRM and IBDP they keep one copy per `Idempotency-Key` (eventId, batchId).
 */
export function createStubIntegrations(options: { clock?: Clock } = {}): StubIntegrations {
  const clock = options.clock ?? systemClock;
  const events: CrmEvent[] = [];
  const batches: StoredBatch[] = [];
  return {
    loyalty: {
      async getMember(customerId) {
        if (customerId === UNAVAILABLE_CUSTOMER) {
          throw new UpstreamUnavailableError('loyalty', 'stub: loyalty is down', { status: 503 });
        }
        return stubMember(customerId);
      },
    },
    enrichment: {
      async getFlight(number, date) {
        if (number === UNAVAILABLE_FLIGHT) {
          throw new UpstreamUnavailableError('enrichment', 'stub: enrichment is down', {
            status: 503,
          });
        }
        return stubFlight(number, date, clock.now());
      },
    },
    crm: {
      events,
      async send(event) {
        if (!events.some((e) => e.eventId === event.eventId)) events.push(wire(event));
      },
    },
    ibdp: {
      batches,
      records: (dataset) => batches.filter((b) => b.dataset === dataset).flatMap((b) => b.records),
      async ingest(dataset, batchId, records) {
        if (records.length === 0 || batches.some((b) => b.batchId === batchId)) return;
        batches.push({ dataset, batchId, records: wire([...records]) });
      },
      async health() {
        return true;
      },
    },
  };
}
