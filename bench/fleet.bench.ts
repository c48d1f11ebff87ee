// The fleet (SPEC.md 10, docs/performance.md "Fleet"): N simulated boxes running the edge's
// real sync over in-memory state, each its own dynsec login and persistent session on
// mosquitto, two `lounge-cloud` processes on one PostgreSQL. Figures: revocation fan-out (and
// a burst), a broker restart without state, heartbeat CPU, the fleet view.
import pg from 'pg';
import { fanOutFloor } from './lib/fanout-floor.ts';
import { enrolFleet, seedInvitations, startSimFleet, type SimFleet } from './lib/fleet.ts';
import {
  brokerRestart,
  burst,
  cpuWindow,
  fanOut,
  fleetView,
  type RestartSecond,
} from './lib/fleet-phases.ts';
import { startFleetStack, type FleetStack } from './lib/fleet-stack.ts';
import { watchHeartbeats } from './lib/heartbeat-monitor.ts';
import type { Figure } from './lib/report.ts';
import { percentiles, quantile, waitUntil } from './lib/stats.ts';

/** Sizes of a run; `quick` is the smoke size. */
export function fleetDefaults(quick: boolean) {
  return quick
    ? { boxes: 50, fanOuts: 5, burst: 500, windowMs: 10_000, idleMs: 5_000, views: 20 }
    : { boxes: 1000, fanOuts: 20, burst: 10_000, windowMs: 60_000, idleMs: 30_000, views: 100 };
}
type Sizes = ReturnType<typeof fleetDefaults>;

const pct = (cpuSeconds: number, wallSeconds: number) => (cpuSeconds / wallSeconds) * 100;

/** Runs every fleet figure; the stack is stopped whatever happens. */
export async function runFleetBench(
  quick: boolean,
  sizes = fleetDefaults(quick),
): Promise<Figure[]> {
  const stack = await startFleetStack();
  let fleet: SimFleet | undefined;
  const figures: Figure[] = [];
  try {
    await measure(stack, sizes, figures, (f) => (fleet = f));
    return figures;
  } catch (err) {
    // The figures measured before the failure stand on their own: keep them.
    const cause = (err as Error & { cause?: unknown }).cause;
    const note = `failed: ${String(err)}${cause ? ` (${String(cause)})` : ''}`;
    return [...figures, { id: 'fleet-failed', title: 'fleet bench', unit: '', value: null, note }];
  } finally {
    await fleet?.stop();
    await stack.stop();
  }
}

async function measure(
  stack: FleetStack,
  n: Sizes,
  figures: Figure[],
  keep: (f: SimFleet) => void,
): Promise<void> {
  const log = (msg: string) => console.log(`  fleet: ${msg}`);
  const e0 = performance.now();
  const ids = await enrolFleet(stack, n.boxes);
  const enrolS = (performance.now() - e0) / 1000;
  log(`${n.boxes} boxes enrolled in ${enrolS.toFixed(1)} s`);
  figures.push({
    id: 'fleet-enrol',
    title: `${n.boxes} boxes enrolled through POST /v1/devices/enroll (dynsec login each, 8 at a time)`,
    unit: 'enrolments/s',
    value: n.boxes / enrolS,
    note: 'context: how the bench seeds its fleet',
    detail: { seconds: enrolS },
  });
  const invitations = await seedInvitations(stack, n.fanOuts + 5 + n.burst);
  const idle = await cpuWindow(stack, n.idleMs);

  // The safety-net poll is off here (1 h): the heartbeat window must hold heartbeats only.
  const s0 = performance.now();
  const fleet = await startSimFleet(ids, { pollIntervalMs: 3600_000 });
  keep(fleet);
  await waitUntil(() => fleet.allAt(0), 120_000, 50);
  log(
    `${n.boxes} boxes connected and caught up ${((performance.now() - s0) / 1000).toFixed(1)} s after the first start`,
  );

  await stack.broker.dynsec(['addClientRole', stack.monitorLogin.username, 'lounge-cloud']);
  const monitor = await watchHeartbeats(stack.broker.url, stack.monitorLogin);
  await new Promise((r) => setTimeout(r, 2000)); // the connect burst's writes land first
  const beats0 = monitor.count();
  const busy = await cpuWindow(stack, n.windowMs);
  const beats = monitor.count() - beats0;
  await monitor.close();
  figures.push(heartbeatFigure(n, idle, busy, beats));
  log('heartbeat window done');

  const view = await fleetView(stack, n.boxes, n.views);
  figures.push(await viewFigure(stack, n, view));

  const samples: number[] = [];
  const allMs: number[] = [];
  for (const id of invitations.slice(0, n.fanOuts)) {
    const per = await fanOut(stack, fleet, id);
    samples.push(...per);
    allMs.push(Math.max(...per));
  }
  const floor = await fanOutFloor(stack.broker.url, stack.monitorLogin, n.boxes, n.fanOuts);
  figures.push(fanOutFigure(n, samples, allMs, floor));
  log('fan-out done');

  const restart = await brokerRestart(stack, fleet, invitations.slice(n.fanOuts, n.fanOuts + 5));
  figures.push(restartFigure(n, restart));
  log(`broker restart: all caught up after ${(restart.allMs / 1000).toFixed(1)} s`);

  figures.push(burstFigure(n, await burst(stack, fleet, invitations.slice(n.fanOuts + 5))));
}

function heartbeatFigure(
  n: Sizes,
  idle: Awaited<ReturnType<typeof cpuWindow>>,
  busy: Awaited<ReturnType<typeof cpuWindow>>,
  beats: number,
): Figure {
  const clouds = Object.keys(busy.cpu).filter((k) => k.startsWith('cloud'));
  const delta = (k: string) => pct(busy.cpu[k]!, busy.seconds) - pct(idle.cpu[k]!, idle.seconds);
  const perInstance = clouds.map(delta);
  const total = perInstance.reduce((a, b) => a + b, 0);
  const perMinute = (beats / busy.seconds) * 60;
  return {
    id: 'fleet-heartbeat-cpu',
    title: `heartbeat ingestion, ${n.boxes} boxes every 60 s: both cloud instances' CPU`,
    unit: '% of one core',
    value: total,
    floor: clouds.reduce((a, k) => a + pct(idle.cpu[k]!, idle.seconds), 0),
    floorLabel: 'the same instances idle, no box connected (subtracted)',
    target: '< 10% of one core',
    // A window shorter than the 60 s period (--quick) may hold no heartbeat: nothing to judge.
    met: beats > 0 ? total < 10 : null,
    detail: {
      heartbeatsInWindow: beats,
      heartbeatsPerMinute: perMinute,
      windowS: busy.seconds,
      ...Object.fromEntries(clouds.map((k, i) => [`${k}Pct`, perInstance[i]!])),
      cpuUsPerHeartbeatPerInstance:
        ((busy.cpu[clouds[0]!]! - (idle.cpu[clouds[0]!]! * busy.seconds) / idle.seconds) * 1e6) /
        Math.max(1, beats),
      postgresPct: delta('postgres'),
      mosquittoPct: delta('mosquitto'),
    },
  };
}

async function viewFigure(
  stack: FleetStack,
  n: Sizes,
  view: Awaited<ReturnType<typeof fleetView>>,
): Promise<Figure> {
  // Floor: the store's own query over one PostgreSQL connection, no HTTP, no JSON, no auth.
  const client = new pg.Client({ connectionString: stack.databaseUrl });
  await client.connect();
  const floor: number[] = [];
  try {
    for (let i = 0; i < n.views; i++) {
      const t0 = performance.now();
      await client.query('SELECT * FROM devices ORDER BY enrolled_at, device_id');
      floor.push(performance.now() - t0);
    }
  } finally {
    await client.end();
  }
  const s = percentiles(view.ms);
  const f = percentiles(floor);
  return {
    id: 'fleet-devices-view',
    title: `GET /v1/devices with ${n.boxes} boxes (both instances, PostgreSQL)`,
    unit: 'ms p99',
    value: s.p99,
    floor: f.p99,
    floorLabel: 'SELECT * FROM devices over one pg connection, p99',
    ratio: f.p99 / s.p99,
    target: '< 200 ms',
    met: s.p99 < 200,
    detail: {
      p50Ms: s.p50,
      floorP50Ms: f.p50,
      requests: view.ms.length,
      listed: view.listed,
      stale: view.stale,
    },
  };
}

function fanOutFigure(n: Sizes, samples: number[], allMs: number[], floor: number[]): Figure {
  const s = percentiles(samples);
  const f = percentiles(floor);
  return {
    id: 'fleet-fanout',
    title: `revocation fan-out: revoke returns -> applied on each of ${n.boxes} boxes`,
    unit: 'ms p99',
    value: s.p99,
    floor: f.p99,
    floorLabel: `bare QoS 1 publish -> each of ${n.boxes} plain mqtt.js subscribers, p99`,
    ratio: f.p99 / s.p99,
    target: 'p99 <= 1000 ms to all',
    met: Math.max(...allMs) <= 1000,
    detail: {
      p50Ms: s.p50,
      p99Ms: s.p99,
      allBoxesP50Ms: quantile(allMs, 0.5),
      allBoxesMaxMs: Math.max(...allMs),
      floorP50Ms: f.p50,
      floorAllMaxMs: Math.max(...floor),
      revocations: allMs.length,
      samples: samples.length,
    },
  };
}

function restartFigure(n: Sizes, r: Awaited<ReturnType<typeof brokerRestart>>): Figure {
  const catchUps = r.requests.filter((q) => q.kind === 'revocations');
  const failed = r.requests.filter((q) => q.status !== 200).length;
  const series = (k: keyof RestartSecond) => r.curve.map((c) => c[k]);
  return {
    id: 'fleet-broker-restart',
    title: `broker restart without state: all ${n.boxes} boxes reconnected and caught up`,
    unit: 's',
    value: r.allMs / 1000,
    target: '<= 60 s, no failed catch-up request',
    met: r.allMs <= 60_000 && failed === 0 && r.server.failed === 0,
    detail: {
      brokerDownS: r.downMs / 1000,
      catchUpRequests: catchUps.length,
      loungeConfigRequests: r.requests.filter((q) => q.kind === 'lounge').length,
      peakCatchUpPerS: Math.max(...series('catchUpRequests')),
      catchUpP50Ms: quantile(
        catchUps.map((q) => q.ms),
        0.5,
      ),
      catchUpP99Ms: quantile(
        catchUps.map((q) => q.ms),
        0.99,
      ),
      failedRequests: failed,
      serverAnswered200: r.server.ok,
      serverFailed: r.server.failed,
      serverP50UpToMs: r.serverLatency.p50UpToS * 1000,
      serverP99UpToMs: r.serverLatency.p99UpToS * 1000,
      simulatorLoopStallMaxMs: r.simLoopDelayMaxMs,
      ...Object.fromEntries(Object.entries(r.cpuSeconds).map(([k, v]) => [`${k}CpuS`, v])),
    },
    series: {
      second: series('second'),
      connected: series('connected'),
      caughtUp: series('caughtUp'),
      catchUpRequests: series('catchUpRequests'),
      loungeRequests: series('loungeRequests'),
      failed: series('failed'),
    },
  };
}

function burstFigure(n: Sizes, b: Awaited<ReturnType<typeof burst>>): Figure {
  const cpu = Object.fromEntries(Object.entries(b.cpuSeconds).map(([k, v]) => [`${k}CpuS`, v]));
  return {
    id: 'fleet-burst',
    title: `burst of ${b.revocations} revocations: every one of ${n.boxes} boxes holds all`,
    unit: 's',
    value: b.allMs / 1000,
    note: 'no target set; time from the first revoke call sent; cpu = seconds per process',
    detail: {
      revokeCallsS: b.revokeCallsMs / 1000,
      revokesPerS: (b.revocations / b.revokeCallsMs) * 1000,
      afterLastRevokeS: (b.allMs - b.revokeCallsMs) / 1000,
      boxP50S: b.p50BoxMs / 1000,
      appliedLive: b.live,
      appliedByCatchUp: b.catchUp,
      catchUpRequests: b.catchUpRequests,
      ...cpu,
    },
  };
}
