// Profiling aid (not a figure): drives the edge's POST /v1/scan and the floor route with the
// bench load generator in alternating rounds and prints throughput and process CPU time per
// request (all threads; steadier than req/s on a shared machine), the main thread's own CPU per
// request and how busy the event loop was (what bounds req/s when other threads have a core),
// then the idle decision p50/p99 as the box is and with a neighbour spinning on a core.
// `npx tsx --conditions=source bench/profile-scan.ts [rounds] [perRound] [connections]`; under
// the profiler: `node --cpu-prof --import tsx --conditions=source bench/profile-scan.ts …`.
import { API_TOKEN, startBenchEdge } from './lib/edge.ts';
import { startFloorServer } from './lib/floor-server.ts';
import { runLoad } from './lib/load.ts';
import { startNeighbour } from './lib/neighbour.ts';
import { median, percentiles } from './lib/stats.ts';
import { mainThreadCpuUs } from './lib/thread-cpu.ts';

const rounds = Number(process.argv[2] ?? 4);
const perRound = Number(process.argv[3] ?? 1500);
const connections = Number(process.argv[4] ?? 8);
const idlePerRound = 300;
const edge = await startBenchEdge();
// `FLOOR=durable`: a floor that also commits one row per answer (lib/floor-server.ts).
const floor = await startFloorServer(edge.signer.publicJwk, {
  durable: process.env.FLOOR === 'durable',
});
try {
  const codes = (await edge.tokens(rounds * (perRound + 2 * idlePerRound) + 200)).map((code) =>
    JSON.stringify({ code }),
  );
  const headers = { authorization: `Bearer ${API_TOKEN}` };
  const run = async (origin: string, bodies: string[], h?: Record<string, string>) => {
    const cpu0 = process.cpuUsage();
    const main0 = mainThreadCpuUs();
    const elu0 = performance.eventLoopUtilization();
    const r = await runLoad({ origin, path: '/v1/scan', headers: h, bodies, connections });
    const cpu = process.cpuUsage(cpu0);
    return {
      rps: r.rps,
      cpuUs: (cpu.user + cpu.system) / r.requests,
      mainUs: (mainThreadCpuUs() - main0) / r.requests,
      elu: performance.eventLoopUtilization(elu0).utilization,
      errors: r.errors,
    };
  };
  await run(floor.url, codes.slice(0, 100));
  await run(edge.url, codes.slice(100, 200), headers);
  let used = 200;
  const take = (n: number) => codes.slice(used, (used += n));
  type Run = { rps: number; cpuUs: number; mainUs: number; elu: number };
  const f: Run[] = [];
  const s: (Run & { errors: number })[] = [];
  for (let i = 0; i < rounds; i++) {
    const b = take(perRound);
    f.push(await run(floor.url, b));
    s.push(await run(edge.url, b, headers));
  }
  const m = (xs: Run[]) => ({
    elu: median(xs.map((x) => x.elu)),
    rps: median(xs.map((x) => x.rps)),
    cpuUs: median(xs.map((x) => x.cpuUs)),
    mainUs: median(xs.map((x) => x.mainUs)),
  });
  const [mf, ms] = [m(f), m(s)];
  console.log(
    `floor ${mf.rps.toFixed(0)} req/s ${mf.cpuUs.toFixed(0)} µs cpu/req | ` +
      `scan ${ms.rps.toFixed(0)} req/s ${ms.cpuUs.toFixed(0)} µs cpu/req | ` +
      `ratio ${(ms.rps / mf.rps).toFixed(2)}x rps, ${(mf.cpuUs / ms.cpuUs).toFixed(2)}x cpu, ` +
      `errors ${s.reduce((a, x) => a + x.errors, 0)}`,
  );
  console.log(
    `main thread: floor ${mf.mainUs.toFixed(0)} µs/req | scan ${ms.mainUs.toFixed(0)} µs/req | ` +
      `ratio ${(mf.mainUs / ms.mainUs).toFixed(2)}x; event loop busy: floor ` +
      `${(mf.elu * 100).toFixed(0)}%, scan ${(ms.elu * 100).toFixed(0)}%`,
  );
  const neighbour = startNeighbour();
  const idle = {
    quiet: { floor: [] as number[], scan: [] as number[] },
    busy: { floor: [] as number[], scan: [] as number[] },
  };
  try {
    for (let i = 0; i < rounds; i++) {
      for (const mode of ['quiet', 'busy'] as const) {
        if (mode === 'busy') neighbour.busy();
        const b = take(idlePerRound);
        const one = (origin: string, h?: Record<string, string>) =>
          runLoad({ origin, path: '/v1/scan', headers: h, bodies: b, connections: 1 });
        idle[mode].floor.push(...(await one(floor.url)).latenciesMs);
        idle[mode].scan.push(...(await one(edge.url, headers)).latenciesMs);
        neighbour.quiet();
      }
    }
  } finally {
    neighbour.close();
  }
  const pct = (xs: number[]) => {
    const p = percentiles(xs);
    return `${p.p50.toFixed(2)}/${p.p99.toFixed(2)}`;
  };
  for (const mode of ['quiet', 'busy'] as const) {
    console.log(
      `idle ${mode}: floor p50/p99 ${pct(idle[mode].floor)} ms | scan ${pct(idle[mode].scan)} ms`,
    );
  }
} finally {
  await floor.close();
  await edge.stop();
}
