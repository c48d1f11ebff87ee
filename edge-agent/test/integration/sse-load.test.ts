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
async function scanTimes(n: number): Promise<number[]> {
  const codes = await Promise.all(Array.from({ length: n }, () => signer.token(clock)));
  const times: number[] = [];
  for (const code of codes) {
    const t0 = performance.now();
    const decision = await edge.scan(code);
    times.push(performance.now() - t0);
    expect(decision.decision).toBe('grant');
  }
  return times;
}

const quantile = (times: number[], q: number): number =>
  [...times].sort((a, b) => a - b)[Math.ceil(times.length * q) - 1]!;

/** `n` subscribers in a child process that reads and counts every decision frame. */
async function readerProcess(
  n: number,
): Promise<{ statuses: number[]; frames(): Promise<number[]> }> {
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

/** 16 subscribers (in another process) and 200 refused idle connections, as the threat has them. */
async function attachLoad() {
  const readers = await readerProcess(READERS);
  expect(readers.statuses).toEqual(Array(READERS).fill(200));
  const port = Number(new URL(edge.url).port);
  const statusLines = await Promise.all(Array.from({ length: IDLE }, () => idleConnection(port)));
  // Beyond 16 subscribers the stream is refused; the sockets stay open and idle.
  expect(new Set(statusLines)).toEqual(new Set(['HTTP/1.1 503 Service Unavailable']));
  expect(edge.agent.sseClients()).toBe(READERS);
  return readers;
}

async function detachLoad(): Promise<void> {
  for (const s of sockets.splice(0)) s.destroy();
  for (const c of children.splice(0)) c.kill();
  await expect.poll(() => edge.agent.sseClients()).toBe(0);
}

describe('SSE under load', { timeout: 180_000 }, () => {
  it(`keeps scan p99 within 3x with ${READERS} readers and ${IDLE} idle connections`, async () => {
    await scanTimes(130); // JIT and SQLite caches warm before either side is measured
    const none: number[] = [];
    const loaded: number[] = [];
    const perRound = SCANS / ROUNDS;
    // Each phase starts with a few scans it does not count: the tail of connecting (or
    // dropping) 216 sockets is not what either side measures.
    const phase = async (into: number[]) => {
      await scanTimes(SETTLE);
      into.push(...(await scanTimes(perRound)));
    };
    const measureLoaded = async () => {
      const readers = await attachLoad();
      await phase(loaded);
      // The readers got every decision of the phase.
      await expect.poll(async () => Math.min(...(await readers.frames()))).toBe(SETTLE + perRound);
      await detachLoad();
    };
    for (let round = 0; round < ROUNDS; round++) {
      if (round % 2 === 1) await measureLoaded();
      await phase(none);
      if (round % 2 === 0) await measureLoaded();
    }
    const [p95None, p95Loaded] = [quantile(none, 0.95), quantile(loaded, 0.95)];
    const [p99None, p99Loaded] = [quantile(none, 0.99), quantile(loaded, 0.99)];
    const ratio = p99Loaded / p99None;
    console.log(
      `scan p99: ${p99None.toFixed(2)} ms alone, ${p99Loaded.toFixed(2)} ms with ${READERS} ` +
        `readers and ${IDLE} idle connections (x${ratio.toFixed(2)}); p95 ` +
        `${p95None.toFixed(2)} / ${p95Loaded.toFixed(2)} ms (x${(p95Loaded / p95None).toFixed(2)})`,
    );
    // 3x, not 2x: 16 live subscribers do cost every sequential scan (p95 x2.2-3.0, p99 x1.2-2.1
    // on a 2-core box, the same before the occupancy and scan-path changes): each frame goes
    // through a web stream per subscriber (docs/performance.md "SSE subscribers"). The threat
    // this guards, unbounded subscribers each serialising every frame, measured x3.1-3.6.
    expect(ratio).toBeLessThanOrEqual(3);
  });

  it('refuses the 17th subscriber with 503 problem+json TOO_MANY_SUBSCRIBERS', async () => {
    await attachLoad();
    const res = await fetch(`${edge.url}/v1/events`, {
      headers: { authorization: `Bearer ${API_TOKEN}` },
    });
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(((await res.json()) as { code: string }).code).toBe('TOO_MANY_SUBSCRIBERS');
  });
});
