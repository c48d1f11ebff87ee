// SPEC.md 10, scan path: edge POST /v1/scan throughput under load and single-decision
// latency on an idle agent, each against the floor route (JSON parse + node:crypto Ed25519
// verify on the same Hono/node-server stack), alternating floor and subject in rounds. The idle
// latency is taken twice per round: as the box is, and with a neighbour spinning on a core
// (the target must hold with other work on the box, not only on a quiet one).
import { p99Figure, type Figure } from './lib/report.ts';
import { API_TOKEN, startBenchEdge } from './lib/edge.ts';
import { startFloorServer } from './lib/floor-server.ts';
import { runLoad, type LoadResult } from './lib/load.ts';
import { startNeighbour } from './lib/neighbour.ts';
import { median, percentiles } from './lib/stats.ts';

export interface ScanBenchOptions {
  rounds: number;
  perRound: number;
  connections: number;
  idlePerRound: number;
}

export const scanDefaults = (quick: boolean): ScanBenchOptions =>
  quick
    ? { rounds: 2, perRound: 300, connections: 4, idlePerRound: 100 }
    : { rounds: 5, perRound: 2000, connections: 8, idlePerRound: 400 };

const bodies = (codes: readonly string[]) => codes.map((code) => JSON.stringify({ code }));

/** Runs both figures and returns them. */
export async function runScanBench(o: ScanBenchOptions): Promise<Figure[]> {
  const edge = await startBenchEdge();
  const floor = await startFloorServer(edge.signer.publicJwk);
  const neighbour = startNeighbour();
  try {
    const auth = { authorization: `Bearer ${API_TOKEN}` };
    const load: { floor: LoadResult[]; subject: LoadResult[] } = { floor: [], subject: [] };
    const total = o.rounds * (o.perRound + 2 * o.idlePerRound) + 200;
    const codes = await edge.tokens(total);
    let used = 0;
    const take = (n: number) => bodies(codes.slice(used, (used += n)));
    const subject = (b: string[], connections: number) =>
      runLoad({ origin: edge.url, path: '/v1/scan', headers: auth, bodies: b, connections });
    const baseline = (b: string[], connections: number) =>
      runLoad({ origin: floor.url, path: '/v1/scan', bodies: b, connections });
    // Process CPU time per request (all threads, the client on both sides): steadier than
    // req/s when other work shares the machine.
    const cpu: { floor: number[]; subject: number[] } = { floor: [], subject: [] };
    const loaded = async (side: 'floor' | 'subject', run: () => Promise<LoadResult>) => {
      const before = process.cpuUsage();
      const r = await run();
      const used = process.cpuUsage(before);
      cpu[side].push((used.user + used.system) / r.requests);
      load[side].push(r);
      return r;
    };

    // Warm up both JITs, then alternate rounds: floor, subject, floor, subject, ...
    await baseline(take(100), o.connections);
    await subject(take(100), o.connections);
    const idle: { floor: number[]; subject: number[] } = { floor: [], subject: [] };
    const busy: { floor: number[]; subject: number[] } = { floor: [], subject: [] };
    let errors = 0;
    const idleRound = async (into: typeof idle) => {
      const i = take(o.idlePerRound);
      into.floor.push(...(await baseline(i, 1)).latenciesMs);
      const s = await subject(i, 1);
      into.subject.push(...s.latenciesMs);
      errors += s.errors;
    };
    for (let r = 0; r < o.rounds; r++) {
      const b = take(o.perRound);
      await loaded('floor', () => baseline(b, o.connections));
      await loaded('subject', () => subject(b, o.connections));
      errors += load.subject.at(-1)!.errors;
      await idleRound(idle);
      neighbour.busy();
      try {
        await idleRound(busy);
      } finally {
        neighbour.quiet();
      }
    }
    const grants = edge.agent.metrics.decisions;
    const granted = (await grants.get()).values
      .filter((v) => v.labels.decision === 'grant')
      .reduce((a, v) => a + v.value, 0);

    const cpuS = median(cpu.subject);
    const cpuF = median(cpu.floor);
    const rpsS = median(load.subject.map((x) => x.rps));
    const rpsF = median(load.floor.map((x) => x.rps));
    const lS = percentiles(load.subject.flatMap((x) => x.latenciesMs));
    const lF = percentiles(load.floor.flatMap((x) => x.latenciesMs));
    return [
      {
        id: 'scan-throughput',
        title: `edge POST /v1/scan, ${o.connections} connections, distinct codes`,
        unit: 'req/s',
        value: rpsS,
        floor: rpsF,
        floorLabel: 'Hono + JSON + node:crypto verify',
        ratio: rpsS / rpsF,
        target: '>= 0.8x floor',
        met: rpsS / rpsF >= 0.8,
        detail: {
          p50Ms: lS.p50,
          p99Ms: lS.p99,
          floorP50Ms: lF.p50,
          floorP99Ms: lF.p99,
          cpuUsPerReq: cpuS,
          floorCpuUsPerReq: cpuF,
          cpuRatio: cpuF / cpuS,
          rounds: o.rounds,
          perRound: o.perRound,
          granted,
          errors,
        },
      },
      p99Figure({
        id: 'scan-idle-latency',
        title: 'single decision on an idle agent (HTTP round trip, 1 connection)',
        floorLabel: 'floor route p99',
        targetMs: 2,
        ...idle,
        detail: { samples: idle.subject.length },
      }),
      p99Figure({
        id: 'scan-idle-latency-busy',
        title: 'single decision, idle agent, a neighbour process spinning on one core',
        floorLabel: 'floor route p99, same neighbour',
        targetMs: 2,
        ...busy,
        detail: { samples: busy.subject.length },
      }),
    ];
  } finally {
    neighbour.close();
    await floor.close();
    await edge.stop();
  }
}
