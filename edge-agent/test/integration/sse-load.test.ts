import { fork, type ChildProcess } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { ManualClock } from '@lounge/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  API_TOKEN,
  makeSigner,
  startAgent,
  startFakeCloud,
  tempDir,
  type Signer,
  type TestAgent,
} from './fixtures.ts';

// A threat: many `GET /v1/events` clients must not slow every decision (SPEC.md 8: at most 16
// subscribers, 503 beyond; a client that does not keep up is dropped). Counts and times are
// bounded; the assertion is a ratio measured in one run, so a slow machine does not fail it.
const READERS = 16;
const IDLE = 200;
// 1,000 scans each way: the p99 is then the 10th-worst, not the 3rd, so one GC pause does not
// set it. They run in alternating rounds (with, without, without, with…) so a neighbour's burst
// of work on a shared machine lands on both sides rather than on one phase.
const SCANS = 1_000;
const ROUNDS = 4;
const SETTLE = 20;
// What is asserted is the agent's own CPU per scan (this process: the readers run in a child),
// not the scans' latency: with 16 readers sharing the 2 cores, the latency ratio mostly says
// how the scheduler split them (p95 x2.09 on Node 20 and x2.35 on Node 24 in one CI run). Each
// write to a subscriber costs the agent ~60 µs on loopback; measured x1.31-1.63 with writes
// coalesced 5 ms apart during a burst, x1.54-1.63 without (docs/performance.md "SSE
// subscribers"). The bound catches a gross cost (serialising per subscriber, buffering without
// bound), not that difference.
const CPU_RATIO = 2.5;

const clock = new ManualClock();
const tmp = tempDir();
let signer: Signer;
let cloud: Awaited<ReturnType<typeof startFakeCloud>>;
let edge: TestAgent;
const sockets: Socket[] = [];
const children: ChildProcess[] = [];

beforeAll(async () => {
  signer = await makeSigner();
  cloud = await startFakeCloud([signer.publicJwk], clock);
  edge = await startAgent(tmp.dir, cloud.url, { clock });
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  for (const c of children) c.kill();
  await edge.stop();
  await cloud.close();
  tmp.cleanup();
});

/** The latencies (ms) of `n` sequential granted scans, each with a fresh code. */
/** The agent's CPU (this process) spent in `scanTimes`' scans, minting excluded. */
let scanCpuUs = 0;

async function scanTimes(n: number): Promise<number[]> {
  const codes = await Promise.all(Array.from({ length: n }, () => signer.token(clock)));
  const times: number[] = [];
  const before = process.cpuUsage();
  for (const code of codes) {
    const t0 = performance.now();
    const decision = await edge.scan(code);
    times.push(performance.now() - t0);
    expect(decision.decision).toBe('grant');
  }
  const used = process.cpuUsage(before);
  scanCpuUs = used.user + used.system;
  return times;
}

const quantile = (times: number[], q: number): number =>
  [...times].sort((a, b) => a - b)[Math.ceil(times.length * q) - 1]!;

/** `n` subscribers in a child process that reads and counts every decision frame. */
async function readerProcess(
  n: number,
): Promise<{ statuses: number[]; frames(): Promise<number[]>; stop(): void }> {
  const child = fork(
    fileURLToPath(new URL('../fixtures/sse-readers.mjs', import.meta.url)),
    [`${edge.url}/v1/events`, API_TOKEN, String(n)],
    { stdio: 'inherit' },
  );
  children.push(child);
  const ready = await new Promise<{ ready: number[] }>((resolve, reject) => {
    child.once('message', (m) => resolve(m as { ready: number[] }));
    child.once('exit', (code) => reject(new Error(`sse readers exited with ${code}`)));
  });
  return {
    statuses: ready.ready,
    frames: () =>
      new Promise((resolve) => {
        child.once('message', (m) => resolve((m as { frames: number[] }).frames));
        child.send('count');
      }),
    stop: () => {
      children.splice(children.indexOf(child), 1);
      child.kill();
    },
  };
}

/** A connection that asks for the stream, reads the first bytes, then never reads again. */
function idleConnection(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    sockets.push(socket);
    socket.once('error', reject);
    socket.once('data', (chunk: Buffer) => {
      socket.pause();
      resolve(chunk.toString('latin1').split('\r\n')[0]!);
    });
    socket.write(
      `GET /v1/events HTTP/1.1\r\nHost: edge\r\nAuthorization: Bearer ${API_TOKEN}\r\n\r\n`,
    );
  });
}

/** The 200 connections beyond the 16 subscribers: each refused, then left open and idle. */
async function attachIdle(): Promise<void> {
  const port = Number(new URL(edge.url).port);
  const statusLines = await Promise.all(Array.from({ length: IDLE }, () => idleConnection(port)));
  expect(new Set(statusLines)).toEqual(new Set(['HTTP/1.1 503 Service Unavailable']));
}

const ms = (times: number[]): string =>
  [0.5, 0.95, 0.99].map((q) => quantile(times, q).toFixed(2)).join('/');
const ratio = (a: number[], b: number[], q: number): string =>
  (quantile(b, q) / quantile(a, q)).toFixed(2);

describe('SSE under load', { timeout: 180_000 }, () => {
  // What the 16 subscribers themselves cost each scan: the same scans alone and with 16 live
  // readers (in a process of their own, as desk tablets are), in alternating rounds.
  it(`keeps the agent's CPU per scan within ${CPU_RATIO}x with ${READERS} live subscribers`, async () => {
    await scanTimes(130); // JIT and SQLite caches warm before either side is measured
    const alone: number[] = [];
    const live: number[] = [];
    const cpu = new Map<number[], number>([
      [alone, 0],
      [live, 0],
    ]);
    const perRound = SCANS / ROUNDS;
    const phase = async (into: number[]) => {
      await scanTimes(SETTLE);
      into.push(...(await scanTimes(perRound)));
      cpu.set(into, cpu.get(into)! + scanCpuUs);
    };
    const measureLive = async () => {
      const readers = await readerProcess(READERS);
      expect(readers.statuses).toEqual(Array(READERS).fill(200));
      await phase(live);
      // The readers got every decision of the phase.
      await expect.poll(async () => Math.min(...(await readers.frames()))).toBe(SETTLE + perRound);
      readers.stop();
      await expect.poll(() => edge.agent.sseClients()).toBe(0);
    };
    for (let round = 0; round < ROUNDS; round++) {
      if (round % 2 === 1) await measureLive();
      await phase(alone);
      if (round % 2 === 0) await measureLive();
    }
    const cpuAlone = cpu.get(alone)! / alone.length;
    const cpuLive = cpu.get(live)! / live.length;
    console.log(
      `scan p50/p95/p99: ${ms(alone)} ms alone, ${ms(live)} ms with ${READERS} subscribers ` +
        `(x${ratio(alone, live, 0.5)}/x${ratio(alone, live, 0.95)}/x${ratio(alone, live, 0.99)}); ` +
        `agent CPU per scan ${cpuAlone.toFixed(0)} µs alone, ${cpuLive.toFixed(0)} µs with them ` +
        `(x${(cpuLive / cpuAlone).toFixed(2)})`,
    );
    expect(cpuLive / cpuAlone).toBeLessThanOrEqual(CPU_RATIO);
  });

  // What an attacker adds beyond the cap must cost the decisions nothing: 16 subscribers on
  // both sides, the 200 refused connections on one. What the 16 themselves cost each scan is
  // measured and written down (docs/performance.md "SSE subscribers"), not asserted here.
  it(`keeps scan p99 within 2x with ${IDLE} connections beyond the ${READERS} subscribers`, async () => {
    const readers = await readerProcess(READERS);
    expect(readers.statuses).toEqual(Array(READERS).fill(200));
    expect(edge.agent.sseClients()).toBe(READERS);
    let scans = 130;
    await scanTimes(130); // JIT and SQLite caches warm before either side is measured
    const base: number[] = [];
    const loaded: number[] = [];
    const perRound = SCANS / ROUNDS;
    // Each phase starts with a few scans it does not count: the tail of opening (or
    // dropping) 200 sockets is not what either side measures.
    const phase = async (into: number[]) => {
      await scanTimes(SETTLE);
      into.push(...(await scanTimes(perRound)));
      scans += SETTLE + perRound;
    };
    const measureLoaded = async () => {
      await attachIdle();
      expect(edge.agent.sseClients()).toBe(READERS);
      await phase(loaded);
      for (const socket of sockets.splice(0)) socket.destroy();
    };
    for (let round = 0; round < ROUNDS; round++) {
      if (round % 2 === 1) await measureLoaded();
      await phase(base);
      if (round % 2 === 0) await measureLoaded();
    }
    const ratio = quantile(loaded, 0.99) / quantile(base, 0.99);
    console.log(
      `scan p99 with ${READERS} subscribers: ${quantile(base, 0.99).toFixed(2)} ms, ` +
        `${quantile(loaded, 0.99).toFixed(2)} ms with ${IDLE} more connections ` +
        `(x${ratio.toFixed(2)}); p50 ${quantile(base, 0.5).toFixed(2)} / ` +
        `${quantile(loaded, 0.5).toFixed(2)} ms`,
    );
    expect(ratio).toBeLessThanOrEqual(2);
    // The subscribers got every decision.
    await expect.poll(async () => Math.min(...(await readers.frames()))).toBe(scans);
  });

  it('refuses the 17th subscriber with 503 problem+json TOO_MANY_SUBSCRIBERS', async () => {
    const missing = READERS - edge.agent.sseClients();
    if (missing > 0) await readerProcess(missing);
    expect(edge.agent.sseClients()).toBe(READERS);
    const res = await fetch(`${edge.url}/v1/events`, {
      headers: { authorization: `Bearer ${API_TOKEN}` },
    });
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(((await res.json()) as { code: string }).code).toBe('TOO_MANY_SUBSCRIBERS');
  });
});
