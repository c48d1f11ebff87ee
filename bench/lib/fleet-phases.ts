// The measured phases of the fleet bench, each over a running stack and simulated fleet:
// fan-out, burst, broker restart, heartbeat CPU and the fleet view. Each returns raw numbers;
// bench/fleet.bench.ts turns them into figures and the system test asserts on them.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { quantile, waitUntil } from './stats.ts';
import type { FleetStack } from './fleet-stack.ts';
import { pooled, revocationHead, revoke, type RequestSample, type SimFleet } from './fleet.ts';

/** The cloud's own count of an HTTP route's answers, by status, summed over instances. */
export async function routeStatuses(
  stack: FleetStack,
  route: string,
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const c of stack.clouds) {
    const text = await (await fetch(`${c.url}/metrics`)).text();
    for (const line of text.split('\n')) {
      if (!line.startsWith('lounge_http_requests_total{') || !line.includes(`route="${route}"`)) {
        continue;
      }
      const status = /status="(\d+)"/.exec(line)?.[1] ?? '?';
      out.set(status, (out.get(status) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
    }
  }
  return out;
}

/** The cloud's latency histogram of a route (cumulative counts by bucket), summed over instances. */
export async function routeLatency(stack: FleetStack, route: string): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  for (const c of stack.clouds) {
    const text = await (await fetch(`${c.url}/metrics`)).text();
    for (const line of text.split('\n')) {
      if (!line.startsWith('lounge_http_request_duration_seconds_bucket{')) continue;
      if (!line.includes(`route="${route}"`) || !line.includes('method="GET"')) continue;
      const le = /le="([^"]+)"/.exec(line)?.[1] ?? '+Inf';
      const key = le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le);
      out.set(key, (out.get(key) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
    }
  }
  return out;
}

/** The upper bound (s) of the bucket holding the q-quantile of what was observed in between. */
export function bucketQuantile(before: Map<number, number>, after: Map<number, number>, q: number) {
  const les = [...after.keys()].sort((a, b) => a - b);
  const total =
    (after.get(Number.POSITIVE_INFINITY) ?? 0) - (before.get(Number.POSITIVE_INFINITY) ?? 0);
  for (const le of les) {
    if ((after.get(le) ?? 0) - (before.get(le) ?? 0) >= q * total) return le;
  }
  return Number.NaN;
}

/** Answers counted between two readings of {@link routeStatuses}. */
export function statusDelta(before: Map<string, number>, after: Map<string, number>) {
  let ok = 0;
  let failed = 0;
  for (const [status, n] of after) {
    const d = n - (before.get(status) ?? 0);
    if (status === '200') ok += d;
    else failed += d;
  }
  return { ok, failed };
}

/** Per-box latency of one revocation: revoke call returned → applied on the box. */
export async function fanOut(stack: FleetStack, fleet: SimFleet, invitationId: string) {
  const seq = (await revocationHead(stack)) + 1;
  // Waiters first, so no box can apply it before we listen.
  const arrivals = fleet.edges.map((e) => e.reached(seq));
  const got = await revoke(stack, 0, invitationId);
  const t0 = performance.now();
  if (got !== seq) throw new Error(`revocation took seq ${got}, expected ${seq} (another writer?)`);
  const at = await withTimeout(Promise.all(arrivals), 60_000, `fan-out of seq ${seq}`);
  return at.map((t) => Math.max(0, t - t0));
}

/** A burst of revocations over both instances; when every box holds all of them, and how. */
export async function burst(stack: FleetStack, fleet: SimFleet, ids: string[], concurrency = 8) {
  const head = await revocationHead(stack);
  const last = head + ids.length;
  const arrivals = fleet.edges.map((e) => e.reached(last));
  const before = fleet.edges.map((e) => ({ ...e.applied }));
  const requestsBefore = fleet.requests.length;
  const cpu0 = stack.cpuSeconds();
  const sim0 = process.cpuUsage();
  const t0 = performance.now();
  await pooled(ids, concurrency, (id, i) => revoke(stack, i, id));
  const revokedMs = performance.now() - t0;
  const at = await withTimeout(Promise.all(arrivals), 900_000, 'the burst');
  const allMs = Math.max(...at) - t0;
  const sim = process.cpuUsage(sim0);
  const cpu1 = stack.cpuSeconds();
  let live = 0;
  let catchUp = 0;
  fleet.edges.forEach((e, i) => {
    live += e.applied.live - before[i]!.live;
    catchUp += e.applied.catchUp - before[i]!.catchUp;
  });
  const catchUpRequests = fleet.requests
    .slice(requestsBefore)
    .filter((r) => r.kind === 'revocations').length;
  return {
    revocations: ids.length,
    revokeCallsMs: revokedMs,
    allMs,
    p50BoxMs: quantile(
      at.map((t) => t - t0),
      0.5,
    ),
    live,
    catchUp,
    catchUpRequests,
    cpuSeconds: {
      ...Object.fromEntries(Object.entries(cpu1).map(([k, v]) => [k, v - (cpu0[k] ?? 0)])),
      simulator: (sim.user + sim.system) / 1e6,
    },
  };
}

/** One second of the broker-restart curve. */
export interface RestartSecond {
  second: number;
  connected: number;
  caughtUp: number;
  catchUpRequests: number;
  loungeRequests: number;
  failed: number;
}

/**
 * mosquitto stopped and started without persistence (sessions and retained messages gone),
 * with `revokedWhileDown` revoked meanwhile: time until every box is connected and at the
 * head, the curve per second, and every request the boxes made in between.
 */
export async function brokerRestart(
  stack: FleetStack,
  fleet: SimFleet,
  revokedWhileDown: string[],
  opts: { downMs?: number; timeoutMs?: number } = {},
) {
  const firstRequest = fleet.requests.length;
  const statuses0 = await routeStatuses(stack, '/v1/revocations');
  const latency0 = await routeLatency(stack, '/v1/revocations');
  const loopDelay = monitorEventLoopDelay({ resolution: 20 });
  loopDelay.enable();
  const samples: { at: number; connected: number; caughtUp: number }[] = [];
  let head = Number.POSITIVE_INFINITY; // nobody is caught up before the revocations exist
  const sample = () => {
    let connected = 0;
    let caughtUp = 0;
    for (const e of fleet.edges) {
      if (!e.connected()) continue;
      connected++;
      if (e.seq() >= head) caughtUp++;
    }
    samples.push({ at: performance.now(), connected, caughtUp });
  };
  const timer = setInterval(sample, 100);
  const sim0 = process.cpuUsage();
  let stoppedAt = 0;
  let cpu0: Record<string, number> = {};
  await stack.broker.restart({
    clean: true,
    whileDown: async () => {
      stoppedAt = performance.now();
      cpu0 = stack.cpuSeconds(); // mosquitto's count starts again with its new process
      for (const [i, id] of revokedWhileDown.entries()) head = await revoke(stack, i, id);
      const rest = (opts.downMs ?? 2000) - (performance.now() - stoppedAt);
      if (rest > 0) await new Promise((r) => setTimeout(r, rest));
    },
  });
  const startedAt = performance.now();
  try {
    await waitUntil(() => fleet.allAt(head), opts.timeoutMs ?? 300_000, 50);
  } finally {
    clearInterval(timer);
  }
  sample();
  const allMs = performance.now() - startedAt;
  loopDelay.disable();
  const sim = process.cpuUsage(sim0);
  const cpu1 = stack.cpuSeconds();
  const cpuSeconds = {
    ...Object.fromEntries(Object.entries(cpu1).map(([k, v]) => [k, v - (cpu0[k] ?? 0)])),
    mosquitto: cpu1.mosquitto ?? 0,
    simulator: (sim.user + sim.system) / 1e6,
  };
  // The boxes' last catch-ups may still be in flight: let them land before counting.
  await new Promise((r) => setTimeout(r, 1000));
  const requests = fleet.requests.slice(firstRequest);
  const server = statusDelta(statuses0, await routeStatuses(stack, '/v1/revocations'));
  const latency1 = await routeLatency(stack, '/v1/revocations');
  const serverLatency = {
    p50UpToS: bucketQuantile(latency0, latency1, 0.5),
    p99UpToS: bucketQuantile(latency0, latency1, 0.99),
  };
  // How long the simulator's own event loop stalled (its boxes' timers and sockets wait too).
  const simLoopDelayMaxMs = loopDelay.max / 1e6;
  return {
    downMs: startedAt - stoppedAt,
    allMs,
    curve: curve(samples, requests, startedAt),
    requests,
    server,
    serverLatency,
    simLoopDelayMaxMs,
    head,
    cpuSeconds,
  };
}

function curve(
  samples: { at: number; connected: number; caughtUp: number }[],
  requests: RequestSample[],
  startedAt: number,
): RestartSecond[] {
  const end = Math.max(...samples.map((s) => s.at), ...requests.map((r) => r.at));
  const out: RestartSecond[] = [];
  for (let s = 0; startedAt + s * 1000 <= end; s++) {
    const from = startedAt + s * 1000;
    const inSecond = requests.filter((r) => r.at >= from && r.at < from + 1000);
    const last = samples.filter((x) => x.at < from + 1000).at(-1);
    out.push({
      second: s + 1,
      connected: last?.connected ?? 0,
      caughtUp: last?.caughtUp ?? 0,
      catchUpRequests: inSecond.filter((r) => r.kind === 'revocations').length,
      loungeRequests: inSecond.filter((r) => r.kind === 'lounge').length,
      failed: inSecond.filter((r) => r.status !== 200).length,
    });
  }
  return out;
}

/** CPU seconds per process of the stack over `ms` (what runs meanwhile is the caller's). */
export async function cpuWindow(stack: FleetStack, ms: number) {
  const before = stack.cpuSeconds();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, ms));
  const after = stack.cpuSeconds();
  const seconds = (performance.now() - t0) / 1000;
  return {
    seconds,
    cpu: Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - (before[k] ?? 0)])),
  };
}

/** `GET /v1/devices` latencies (ms), alternating the instances; checks every box is listed. */
export async function fleetView(stack: FleetStack, boxes: number, rounds: number) {
  const ms: number[] = [];
  let listed = 0;
  let stale = 0;
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now();
    const res = await stack.api(i, 'GET', '/v1/devices');
    const body = (await res.json()) as { devices: { stale: boolean; heartbeat: unknown }[] };
    ms.push(performance.now() - t0);
    if (res.status !== 200) throw new Error(`GET /v1/devices answered ${res.status}`);
    listed = body.devices.filter((d) => d.heartbeat !== null).length;
    stale = body.devices.filter((d) => d.stale).length;
  }
  if (listed !== boxes)
    throw new Error(`GET /v1/devices lists ${listed} boxes with a heartbeat of ${boxes}`);
  return { ms, listed, stale };
}

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not done after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
