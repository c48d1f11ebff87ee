// Profiling aid (not a figure): V8 CPU profile of the floor's rounds and of the edge's rounds
// taken apart (node:inspector, sampling every 50 µs), self time per request grouped by module,
// so the edge-minus-floor gap reads item by item. `npx tsx --conditions=source
// bench/profile-gap.ts [rounds] [perRound] [fn]`.
import { Session, type Profiler } from 'node:inspector/promises';
import { API_TOKEN, startBenchEdge } from './lib/edge.ts';
import { startFloorServer } from './lib/floor-server.ts';
import { runLoad } from './lib/load.ts';

const rounds = Number(process.argv[2] ?? 4);
const perRound = Number(process.argv[3] ?? 1500);
/** `fn` as the third argument: group by function instead of module. */
const byFunction = process.argv[4] === 'fn';
const edge = await startBenchEdge();
const floor = await startFloorServer(edge.signer.publicJwk);
const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.setSamplingInterval', { interval: 50 });

/** Module of a frame: a package, a node: module, or a source folder of this repository. */
function moduleOf(cf: Profiler.ProfileNode['callFrame']): string {
  const url = cf.url.replace(/^file:\/\/\/work\/[^/]+\//, '');
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(.*)$/.exec(url);
  if (pkg) return pkg[1] === 'hono' ? `hono/${pkg[2]!.split('/').slice(-1)[0]}` : pkg[1]!;
  if (url === '') return `(${cf.functionName || 'native'})`;
  return byFunction ? `${url} ${cf.functionName || '(anonymous)'}:${cf.lineNumber + 1}` : url;
}

const totals = { floor: new Map<string, number>(), edge: new Map<string, number>() };
const counts = { floor: 0, edge: 0 };
try {
  const codes = (await edge.tokens(rounds * perRound + 200)).map((code) =>
    JSON.stringify({ code }),
  );
  const headers = { authorization: `Bearer ${API_TOKEN}` };
  await runLoad({
    origin: floor.url,
    path: '/v1/scan',
    bodies: codes.slice(0, 100),
    connections: 8,
  });
  await runLoad({
    origin: edge.url,
    path: '/v1/scan',
    headers,
    bodies: codes.slice(100, 200),
    connections: 8,
  });
  let used = 200;
  for (let i = 0; i < rounds; i++) {
    const bodies = codes.slice(used, (used += perRound));
    for (const side of ['floor', 'edge'] as const) {
      await session.post('Profiler.start');
      const r =
        side === 'floor'
          ? await runLoad({ origin: floor.url, path: '/v1/scan', bodies, connections: 8 })
          : await runLoad({ origin: edge.url, path: '/v1/scan', headers, bodies, connections: 8 });
      const { profile } = await session.post('Profiler.stop');
      counts[side] += r.requests;
      const byId = new Map(profile.nodes.map((n) => [n.id, n]));
      const parent = new Map<number, number>();
      for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
      const deltas = profile.timeDeltas ?? [];
      (profile.samples ?? []).forEach((id, k) => {
        // A native frame (no URL) is named with its nearest JavaScript caller's module.
        let key = moduleOf(byId.get(id)!.callFrame);
        for (let p = parent.get(id); key.startsWith('(') && p !== undefined; p = parent.get(p)) {
          const cf = byId.get(p)!.callFrame;
          if (cf.url !== '') key = `${key} < ${moduleOf(cf)}`;
          if (cf.url !== '') break;
        }
        totals[side].set(key, (totals[side].get(key) ?? 0) + (deltas[k] ?? 0));
      });
    }
  }
} finally {
  session.disconnect();
  await floor.close();
  await edge.stop();
}
const keys = new Set([...totals.floor.keys(), ...totals.edge.keys()]);
const per = (side: 'floor' | 'edge', k: string) => (totals[side].get(k) ?? 0) / counts[side];
const rows = [...keys]
  .map((k) => ({ k, f: per('floor', k), e: per('edge', k) }))
  .sort((a, b) => b.e - b.f - (a.e - a.f));
const sum = (side: 'floor' | 'edge') =>
  [...totals[side].entries()].filter(([k]) => k !== '(idle)').reduce((a, [, v]) => a + v, 0) /
  counts[side];
console.log(
  `µs per request (self time, idle excluded): floor ${sum('floor').toFixed(0)} edge ${sum('edge').toFixed(0)}`,
);
console.log('module | floor | edge | gap');
for (const r of rows.filter((x) => Math.abs(x.e - x.f) >= 0.5 && x.k !== '(idle)')) {
  console.log(`${r.k} | ${r.f.toFixed(1)} | ${r.e.toFixed(1)} | ${(r.e - r.f).toFixed(1)}`);
}
