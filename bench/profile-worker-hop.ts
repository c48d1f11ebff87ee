// Profiling aid (not a figure): what a worker-thread decision step would add per decision, the
// round trip main → worker → main of one small message (postMessage, structured clone), one
// at a time, as the box is and with a neighbour spinning on a core.
// `node --conditions=source --import tsx bench/profile-worker-hop.ts [samples]`
import { Worker } from 'node:worker_threads';
import { startNeighbour } from './lib/neighbour.ts';
import { percentiles } from './lib/stats.ts';

const samples = Number(process.argv[2] ?? 3000);
const worker = new Worker(
  `require('node:worker_threads').parentPort.on('message', (m) => require('node:worker_threads').parentPort.postMessage(m));`,
  { eval: true },
);
// A message the size of a decision: the verified claims in, the decision out.
const message = {
  claims: { jti: 'inv_0123456789abcdef', aud: 'LHR-T5', ent: 2, gst: 1, nbf: 1, exp: 2 },
  codeSha256: 'a'.repeat(64),
  gate: 'gate-1',
  receivedAt: Date.now(),
};
const roundTrip = () =>
  new Promise<number>((resolve) => {
    const t0 = performance.now();
    worker.once('message', () => resolve(performance.now() - t0));
    worker.postMessage(message);
  });
const neighbour = startNeighbour();
try {
  for (const mode of ['quiet', 'busy'] as const) {
    if (mode === 'busy') neighbour.busy();
    const ms: number[] = [];
    for (let i = 0; i < samples; i++) ms.push(await roundTrip());
    neighbour.quiet();
    const p = percentiles(ms.slice(200));
    console.log(
      `worker round trip ${mode}: p50 ${p.p50.toFixed(3)} ms, p99 ${p.p99.toFixed(3)} ms`,
    );
  }
} finally {
  neighbour.close();
  await worker.terminate();
}
