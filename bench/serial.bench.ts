// SPEC.md 10, serial scan: a serial scanner on a socat pty (the agent's `serial` driver on the
// device end); the bench writes token + CR on the host end and times until the SSE `decision`
// event arrives. Floor: the same write read back raw by serialport on the device end.
import { SerialPort } from 'serialport';
import { openPtyPair } from '@lounge/test-helpers/pty';
import { which } from '@lounge/test-helpers/tools';
import { API_TOKEN, startBenchEdge } from './lib/edge.ts';
import type { Figure } from './lib/report.ts';
import { percentiles, waitUntil } from './lib/stats.ts';
import { subscribeDecisions } from './lib/sse.ts';

/** The pty transit floor: write on the host end until the CR is read on the device end. */
async function ptyFloor(pty: Awaited<ReturnType<typeof openPtyPair>>, codes: string[]) {
  const port = new SerialPort({ path: pty.devicePath, baudRate: 9600, autoOpen: false });
  await new Promise<void>((res, rej) => port.open((e) => (e ? rej(e) : res())));
  let waiter: (() => void) | undefined;
  port.on('data', (d: Buffer) => d.includes(13) && waiter?.());
  const out: number[] = [];
  for (const code of codes) {
    const got = new Promise<void>((r) => (waiter = r));
    const t0 = performance.now();
    await pty.write(`${code}\r`);
    await got;
    out.push(performance.now() - t0);
  }
  await new Promise<void>((r) => port.close(() => r()));
  return out;
}

/** Runs the figure, or reports why it cannot (no socat). */
export async function runSerialBench(quick: boolean): Promise<Figure[]> {
  const title = 'serial pty write -> SSE decision';
  if (!which('socat')) {
    return [
      {
        id: 'serial-sse',
        title,
        unit: 'ms p99',
        value: null,
        note: 'skipped: socat not installed',
      },
    ];
  }
  const n = quick ? 20 : 200;
  const pty = await openPtyPair();
  let edge: Awaited<ReturnType<typeof startBenchEdge>> | undefined;
  let sub: { close(): void } | undefined;
  try {
    const floorCodes = Array.from({ length: n }, (_, i) => `floor-${i}-${'x'.repeat(300)}`);
    const floor = await ptyFloor(pty, floorCodes);
    edge = await startBenchEdge({
      extra: {
        scanners: [
          { id: 'gate1', type: 'serial', path: pty.devicePath, baudRate: 9600, suffix: 'cr' },
        ],
      },
    });
    const agent = edge.agent;
    await waitUntil(() => agent.health().scanners[0]?.status === 'connected', 10_000, 20);
    let arrived: ((d: Record<string, unknown>) => void) | undefined;
    sub = await subscribeDecisions(edge.url, API_TOKEN, (d) => arrived?.(d));
    const codes = await edge.tokens(n + 5);
    const samples: number[] = [];
    let grants = 0;
    for (const [i, code] of codes.entries()) {
      const got = new Promise<Record<string, unknown>>((r) => (arrived = r));
      const t0 = performance.now();
      await pty.write(`${code}\r`);
      const d = await got;
      if (i >= 5) samples.push(performance.now() - t0); // the first few warm up the path
      if (d.decision === 'grant') grants++;
    }
    const s = percentiles(samples);
    const f = percentiles(floor);
    return [
      {
        id: 'serial-sse',
        title,
        unit: 'ms p99',
        value: s.p99,
        floor: f.p99,
        floorLabel: 'raw pty transit p99',
        ratio: f.p99 / s.p99,
        target: 'p99 <= 20 ms',
        met: s.p99 <= 20,
        detail: { p50Ms: s.p50, p99Ms: s.p99, floorP50Ms: f.p50, samples: samples.length, grants },
      },
    ];
  } finally {
    sub?.close();
    await edge?.stop();
    await pty.kill();
  }
}
