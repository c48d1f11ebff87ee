// The fleet bench's moving parts over a FleetStack: enrol N boxes through the real enrolment
// route, run them as simulated edges, record every request they make of the cloud, and seed
// invitations to revoke. Shared by bench/fleet.bench.ts and test/system/fleet.test.ts.
import { generateKeyPairSync } from 'node:crypto';
import { newInvitationId, type Ed25519PrivateJwk } from '@lounge/shared';
import type { Fetch } from '@lounge/edge-agent';
import pg from 'pg';
import pino from 'pino';
import { fetch as undiciFetch } from 'undici';
import { FLEET_LOUNGE, FLEET_PUBLIC_URL, type FleetStack } from './fleet-stack.ts';
import {
  createSimEdge,
  type SimEdge,
  type SimEdgeIdentity,
  type SimEdgeOptions,
} from './sim-edge.ts';

/** One request a box made of the cloud, timed from the box's side. */
export interface RequestSample {
  kind: 'revocations' | 'lounge' | 'other';
  /** performance.now() when it was sent. */
  at: number;
  ms: number;
  /** HTTP status; 0 when no answer came. */
  status: number;
}

/** A fetch for the boxes that records every request (the cloud's load, as the boxes saw it). */
export function recordingFetch(samples: RequestSample[]): Fetch {
  const inner = undiciFetch as unknown as Fetch;
  return async (url, init) => {
    const path = new URL(url).pathname;
    const kind =
      path === '/v1/revocations'
        ? 'revocations'
        : path.startsWith('/v1/lounges/')
          ? 'lounge'
          : 'other';
    const at = performance.now();
    try {
      const res = await inner(url, init);
      samples.push({ kind, at, ms: performance.now() - at, status: res.status });
      return res;
    } catch (err) {
      samples.push({ kind, at, ms: performance.now() - at, status: 0 });
      throw err;
    }
  };
}

/** Runs `fn` over `items` with at most `limit` at a time. */
async function pooled<T, R>(items: T[], limit: number, fn: (x: T, i: number) => Promise<R>) {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return out;
}

/**
 * Enrols `n` boxes through the real routes (enrolment token, then `POST /v1/devices/enroll`,
 * which creates each box's dynsec login), spread over the instances; box i talks to
 * instance i mod instances afterwards, as behind a load balancer.
 */
export async function enrolFleet(
  stack: FleetStack,
  n: number,
  concurrency = 8,
): Promise<SimEdgeIdentity[]> {
  return pooled(
    Array.from({ length: n }, (_, i) => i),
    concurrency,
    async (i) => {
      const cloud = stack.clouds[i % stack.clouds.length]!;
      const t = await stack.api(i, 'POST', '/v1/enrollment-tokens', { loungeId: FLEET_LOUNGE });
      if (t.status !== 201) throw new Error(`enrollment token answered ${t.status}`);
      const { token } = (await t.json()) as { token: string };
      const { privateKey } = generateKeyPairSync('ed25519');
      const jwk = privateKey.export({ format: 'jwk' });
      const enrol = () =>
        fetch(`${cloud.url}/v1/devices/enroll`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({
            publicKey: { kty: 'OKP', crv: 'Ed25519', x: jwk.x },
            name: `box-${i}`,
          }),
        });
      let res = await enrol();
      // 503 NOT_READY: the broker did not confirm the login in time; the token stays unused.
      for (let retry = 0; res.status === 503 && retry < 5; retry++) {
        await res.body?.cancel();
        await new Promise((r) => setTimeout(r, 500 * 2 ** retry));
        res = await enrol();
      }
      if (res.status !== 201) throw new Error(`enroll answered ${res.status}: ${await res.text()}`);
      const e = (await res.json()) as { deviceId: string; mqtt: SimEdgeIdentity['mqtt'] };
      return {
        deviceId: e.deviceId,
        loungeId: FLEET_LOUNGE,
        cloudUrl: cloud.url,
        issuer: FLEET_PUBLIC_URL,
        mqtt: e.mqtt,
        deviceKey: jwk as Ed25519PrivateJwk,
      };
    },
  );
}

/** The simulated boxes and what they asked of the cloud. */
export interface SimFleet {
  edges: SimEdge[];
  requests: RequestSample[];
  /** Every box connected and at (or past) revocation `seq`. */
  allAt(seq: number): boolean;
  stop(): Promise<void>;
}

/** Starts a box per identity, `batch` at a time (one batch per `everyMs`). */
export async function startSimFleet(
  ids: SimEdgeIdentity[],
  opts: Pick<SimEdgeOptions, 'pollIntervalMs' | 'reconnect'> & {
    batch?: number;
    everyMs?: number;
  } = {},
): Promise<SimFleet> {
  const requests: RequestSample[] = [];
  const fetch = recordingFetch(requests);
  const log = pino({ level: 'silent' });
  const edges = ids.map((id) =>
    createSimEdge(id, {
      fetch,
      log,
      pollIntervalMs: opts.pollIntervalMs,
      reconnect: opts.reconnect,
    }),
  );
  const batch = opts.batch ?? 100;
  for (let i = 0; i < edges.length; i += batch) {
    for (const e of edges.slice(i, i + batch)) e.start();
    if (i + batch < edges.length) await new Promise((r) => setTimeout(r, opts.everyMs ?? 500));
  }
  return {
    edges,
    requests,
    allAt: (seq) => edges.every((e) => e.connected() && e.seq() >= seq),
    async stop() {
      await Promise.all(edges.map((e) => e.stop()));
    },
  };
}

/**
 * Writes `n` issued invitations for the lounge straight into PostgreSQL (one statement): the
 * fleet bench revokes them through the API, it does not measure issuance (figure 6 does).
 */
export async function seedInvitations(stack: FleetStack, n: number): Promise<string[]> {
  const now = Date.now();
  const ids = Array.from({ length: n }, () => newInvitationId(now));
  const customers = ids.map((_, i) => `IB${5_000_000 + i}`);
  const client = new pg.Client({ connectionString: stack.databaseUrl });
  await client.connect();
  try {
    await client.query(
      `INSERT INTO invitations (id, customer_id, subject, lounge_id, flight_number, flight_date,
         departure_time, guests, entries, valid_from, valid_until, kid, token, qr_png, qr_svg,
         status, created_at)
       SELECT id, customer, 'AbCdEfGhIjKlMnOpQrStUv', $3, 'IB1234', '2026-01-01', '12:00', 0, 1,
         $4::bigint, $5::bigint, 'kBench01', 'x', '\\x00'::bytea, '<svg/>', 'issued', $4::bigint
       FROM unnest($1::text[], $2::text[]) AS t(id, customer)`,
      [ids, customers, FLEET_LOUNGE, now, now + 86_400_000],
    );
  } finally {
    await client.end();
  }
  return ids;
}

/** The cloud's revocation head (from any instance). */
export async function revocationHead(stack: FleetStack): Promise<number> {
  const res = await stack.api(0, 'GET', '/v1/revocations?after=0&limit=1');
  return ((await res.json()) as { lastSeq: number }).lastSeq;
}

/**
 * Revokes one invitation on instance `i`; resolves with its seq once the call returned. A
 * dropped keep-alive socket or a 408 is retried: revoking is idempotent (the same seq comes back).
 */
export async function revoke(stack: FleetStack, i: number, id: string): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    let res: Response;
    try {
      res = await stack.api(i, 'POST', `/v1/invitations/${id}/revoke`, { reason: 'fleet bench' });
    } catch (err) {
      if (attempt >= 3) throw err;
      continue;
    }
    // 408: Node's HTTP server gave up on a request it had waited on for too long.
    if (res.status === 408 && attempt < 3) continue;
    if (!res.ok) throw new Error(`revoke answered ${res.status}: ${await res.text()}`);
    return ((await res.json()) as { revocation: { seq: number } }).revocation.seq;
  }
}

export { pooled };
