import { systemClock, type Clock } from '@lounge/shared';
import {
  UNAVAILABLE_CUSTOMER,
  UNAVAILABLE_FLIGHT,
  stubFlight,
  stubMember,
  type Flight,
  type Member,
  type Upstream,
} from '@lounge/cloud/integrations';
import {
  StandIn,
  problem,
  type Answer,
  type Handler,
  type StandInMode,
} from './stand-in-server.ts';

export { StandIn } from './stand-in-server.ts';
export type { RecordedRequest, StandInMode, StoredItem } from './stand-in-server.ts';

/**
 * Real HTTP stand-ins for loyalty, enrichment, CRM and IBDP (SPEC.md section 5), one server
 * each on 127.0.0.1 port 0: `const s = await startStandIns(); s.urls.loyalty …; await s.close()`.
 * Members and flights come from what is seeded, then from the stub airline of
 * docs/integrations.md (unless `stubData: false`). CRM and IBDP keep one copy per
 * `Idempotency-Key` and answer 409 to a repeat, like the real ones.
 */
export interface StandIns {
  urls: Record<Upstream, string>;
  loyalty: StandIn;
  enrichment: StandIn;
  crm: StandIn;
  ibdp: StandIn;
  /** Seeded answers; a `null` value makes loyalty answer 404 for that id. */
  members: Map<string, Member | null>;
  /** Keyed `${number}/${date}`; `null` makes enrichment answer 404. */
  flights: Map<string, Flight | null>;
  seedMember(member: Member): void;
  seedFlight(flight: Flight): void;
  /** Events the CRM stored, once each, in arrival order. */
  crmEvents(): unknown[];
  /** Records IBDP stored for `dataset`, in arrival order. */
  ibdpRecords(dataset: string): unknown[];
  /** Sets the mode of all four. */
  setMode(mode: StandInMode): Promise<void>;
  /** Resolves once `predicate` holds (polled every 20 ms); rejects after `timeoutMs`. */
  waitFor(predicate: () => boolean, timeoutMs?: number): Promise<void>;
  /** Forgets seeds, requests and stored items; every stand-in back to `ok`. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

export interface StandInOptions {
  /** Bearer tokens to require, per upstream (401 otherwise). */
  tokens?: Partial<Record<Upstream, string>>;
  /** The time the stub flights are computed against. */
  clock?: Clock;
  /** false: only seeded members and flights exist. */
  stubData?: boolean;
}

/** Starts the four stand-ins. */
export async function startStandIns(options: StandInOptions = {}): Promise<StandIns> {
  const clock = options.clock ?? systemClock;
  const useStub = options.stubData ?? true;
  const members = new Map<string, Member | null>();
  const flights = new Map<string, Flight | null>();
  const tokens = options.tokens ?? {};

  const loyalty: Handler = (req) => {
    const m = /^\/v1\/members\/([^/]+)$/.exec(req.path);
    if (req.method !== 'GET' || !m) return problem(404, 'no such route');
    const id = decodeURIComponent(m[1]!);
    if (useStub && id === UNAVAILABLE_CUSTOMER && !members.has(id)) {
      return problem(503, 'loyalty is down');
    }
    const member = members.has(id) ? members.get(id)! : useStub ? stubMember(id) : null;
    return member ? { status: 200, body: member } : problem(404, 'not a member');
  };

  const enrichment: Handler = (req) => {
    const m = /^\/v1\/flights\/([^/]+)\/([^/]+)$/.exec(req.path);
    if (req.method !== 'GET' || !m) return problem(404, 'no such route');
    const [number, date] = [decodeURIComponent(m[1]!), decodeURIComponent(m[2]!)];
    const key = `${number}/${date}`;
    if (useStub && number === UNAVAILABLE_FLIGHT && !flights.has(key)) {
      return problem(503, 'enrichment is down');
    }
    const flight = flights.has(key)
      ? flights.get(key)!
      : useStub
        ? stubFlight(number, date, clock.now())
        : null;
    return flight ? { status: 200, body: flight } : problem(404, 'no such flight');
  };

  const crm: Handler = (req, stored) => {
    if (req.method !== 'POST' || req.path !== '/v1/events') return problem(404, 'no such route');
    return store(req, stored, undefined);
  };

  const ibdp: Handler = (req, stored) => {
    if (req.method === 'GET' && req.path === '/v1/health') {
      return { status: 200, body: { status: 'ok' } };
    }
    const m = /^\/v1\/ingest\/(invitations|access-logs)$/.exec(req.path);
    if (req.method !== 'POST' || !m) return problem(404, 'no such route or dataset');
    if (!req.records) return problem(415, 'expected application/x-ndjson');
    return store(req, stored, m[1]);
  };

  const servers = {
    loyalty: await StandIn.start('loyalty', loyalty, tokens.loyalty),
    enrichment: await StandIn.start('enrichment', enrichment, tokens.enrichment),
    crm: await StandIn.start('crm', crm, tokens.crm),
    ibdp: await StandIn.start('ibdp', ibdp, tokens.ibdp),
  };
  const all = Object.values(servers);

  return {
    ...servers,
    urls: {
      loyalty: servers.loyalty.url,
      enrichment: servers.enrichment.url,
      crm: servers.crm.url,
      ibdp: servers.ibdp.url,
    },
    members,
    flights,
    seedMember: (member) => void members.set(member.customerId, member),
    seedFlight: (flight) => void flights.set(`${flight.number}/${flight.date}`, flight),
    crmEvents: () => servers.crm.stored.map((s) => s.body),
    ibdpRecords: (dataset) =>
      servers.ibdp.stored.filter((s) => s.dataset === dataset).flatMap((s) => s.records ?? []),
    setMode: async (mode) => void (await Promise.all(all.map((s) => s.setMode(mode)))),
    waitFor,
    reset: async () => {
      members.clear();
      flights.clear();
      await Promise.all(all.map((s) => s.reset()));
    },
    close: async () => void (await Promise.all(all.map((s) => s.close()))),
  };
}

/** CRM and IBDP: one copy per Idempotency-Key, 409 for a repeat. */
function store(
  req: Parameters<Handler>[0],
  stored: Parameters<Handler>[1],
  dataset: string | undefined,
): Answer {
  const key = req.headers['idempotency-key'];
  if (typeof key !== 'string' || key === '') return problem(400, 'Idempotency-Key is required');
  if (req.body === undefined) return problem(400, 'empty body');
  if (stored.some((s) => s.key === key)) return problem(409, 'already stored');
  stored.push({ key, dataset, body: req.body, records: req.records });
  return { status: 202, body: { stored: key } };
}

async function waitFor(predicate: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
