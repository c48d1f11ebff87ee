// Profiling aid (not a figure): drives the edge's POST /v1/scan and the floor route with the
// bench load generator in alternating rounds and prints throughput and process CPU time per
// request (all threads; steadier than req/s on a shared machine). Under a profiler:
// `node --cpu-prof --import tsx --conditions=source bench/profile-scan.ts [rounds] [perRound] [connections]`.
import { API_TOKEN, startBenchEdge } from './lib/edge.ts';
import { startFloorServer } from './lib/floor-server.ts';
import { runLoad } from './lib/load.ts';
import { median } from './lib/stats.ts';

const rounds = Number(process.argv[2] ?? 4);
const perRound = Number(process.argv[3] ?? 1500);
const connections = Number(process.argv[4] ?? 8);
const edge = await startBenchEdge();
const floor = await startFloorServer(edge.signer.publicJwk);
try {
  const codes = (await edge.tokens(rounds * perRound + 200)).map((code) =>
    JSON.stringify({ code }),
  );
  const headers = { authorization: `Bearer ${API_TOKEN}` };
  const run = async (origin: string, bodies: string[], h?: Record<string, string>) => {
    const cpu0 = process.cpuUsage();
    const r = await runLoad({ origin, path: '/v1/scan', headers: h, bodies, connections });
    const cpu = process.cpuUsage(cpu0);
    return { rps: r.rps, cpuUs: (cpu.user + cpu.system) / r.requests, errors: r.errors };
  };
  await run(floor.url, codes.slice(0, 100));
  await run(edge.url, codes.slice(100, 200), headers);
  const f: { rps: number; cpuUs: number }[] = [];
  const s: { rps: number; cpuUs: number; errors: number }[] = [];
  for (let i = 0; i < rounds; i++) {
    const b = codes.slice(200 + i * perRound, 200 + (i + 1) * perRound);
    f.push(await run(floor.url, b));
    s.push(await run(edge.url, b, headers));
  }
  const m = (xs: { rps: number; cpuUs: number }[]) => ({
    rps: median(xs.map((x) => x.rps)),
    cpuUs: median(xs.map((x) => x.cpuUs)),
  });
  const [mf, ms] = [m(f), m(s)];
  console.log(
    `floor ${mf.rps.toFixed(0)} req/s ${mf.cpuUs.toFixed(0)} µs cpu/req | ` +
      `scan ${ms.rps.toFixed(0)} req/s ${ms.cpuUs.toFixed(0)} µs cpu/req | ` +
      `ratio ${(ms.rps / mf.rps).toFixed(2)}x rps, ${(mf.cpuUs / ms.cpuUs).toFixed(2)}x cpu, ` +
      `errors ${s.reduce((a, x) => a + x.errors, 0)}`,
  );
} finally {
  await floor.close();
  await edge.stop();
}
