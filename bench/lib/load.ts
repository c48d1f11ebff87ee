import { Pool } from 'undici';

/** One bounded load run: `bodies` POSTed to `origin + path` over `connections` keep-alive sockets. */
export interface LoadRun {
  origin: string;
  path: string;
  headers?: Record<string, string>;
  /** Extra headers for request i (an Idempotency-Key per request). */
  headersFor?: (i: number) => Record<string, string>;
  /** The status that counts as success (default 200). */
  okStatus?: number;
  bodies: readonly string[];
  connections: number;
  /** Stop early after this long (the run is still reported over what was sent). */
  maxMs?: number;
}

/** Throughput and latency of one run. */
export interface LoadResult {
  requests: number;
  errors: number;
  rps: number;
  latenciesMs: number[];
}

/**
 * The same load generator for floor and subject: an undici Pool with N connections and N
 * workers that each send the next body when their previous answer is read (closed loop).
 */
export async function runLoad(run: LoadRun): Promise<LoadResult> {
  const pool = new Pool(run.origin, { connections: run.connections, pipelining: 1 });
  const latenciesMs: number[] = [];
  let next = 0;
  let errors = 0;
  const started = performance.now();
  const deadline = started + (run.maxMs ?? Number.POSITIVE_INFINITY);
  const headers = { 'content-type': 'application/json', ...run.headers };
  const worker = async (): Promise<void> => {
    while (next < run.bodies.length && performance.now() < deadline) {
      const i = next++;
      const body = run.bodies[i]!;
      const t0 = performance.now();
      try {
        const res = await pool.request({
          path: run.path,
          method: 'POST',
          headers: run.headersFor ? { ...headers, ...run.headersFor(i) } : headers,
          body,
        });
        await res.body.text();
        if (res.statusCode !== (run.okStatus ?? 200)) errors++;
      } catch {
        errors++;
      }
      latenciesMs.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: run.connections }, worker));
  const elapsed = performance.now() - started;
  await pool.close();
  return {
    requests: latenciesMs.length,
    errors,
    rps: (latenciesMs.length / elapsed) * 1000,
    latenciesMs,
  };
}
