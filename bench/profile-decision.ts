// Profiling aid (not a figure): the decision path without HTTP. `agent.scan()` on distinct
// codes, `concurrency` at a time (so group commit batches that many), and process CPU time per
// decision (all threads), median of rounds.
// `node --conditions=source --import tsx bench/profile-decision.ts [rounds] [perRound] [concurrency]`
import { startBenchEdge } from './lib/edge.ts';
import { median } from './lib/stats.ts';

const rounds = Number(process.argv[2] ?? 5);
const perRound = Number(process.argv[3] ?? 2000);
const concurrency = Number(process.argv[4] ?? 8);
const edge = await startBenchEdge();
try {
  const codes = await edge.tokens((rounds + 1) * perRound);
  const cpuUs: number[] = [];
  for (let r = 0; r <= rounds; r++) {
    const batch = codes.slice(r * perRound, (r + 1) * perRound);
    const cpu0 = process.cpuUsage();
    let next = 0;
    const worker = async () => {
      while (next < batch.length) {
        const code = batch[next++]!;
        await edge.agent.scan({ code, gate: 'g1', receivedAt: Date.now(), source: 'api' });
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    const cpu = process.cpuUsage(cpu0);
    if (r > 0) cpuUs.push((cpu.user + cpu.system) / batch.length); // round 0 warms up
  }
  console.log(
    `decision CPU ${median(cpuUs).toFixed(0)} µs (rounds ${cpuUs.map((x) => x.toFixed(0)).join(' ')}), concurrency ${concurrency}`,
  );
} finally {
  await edge.stop();
}
