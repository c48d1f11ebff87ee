// A real edge agent (createAgent) on 127.0.0.1:0 with a stand-in cloud serving the JWKS, and
// a signer minting distinct tokens for it. The agent logs every decision (to /dev/null).
import { systemClock } from '@lounge/shared';
import pino from 'pino';
import { createAgent, parseConfig, type Agent, type AgentDeps } from '@lounge/edge-agent';
import {
  API_TOKEN,
  makeSigner,
  rawConfig,
  startFakeCloud,
  tempDir,
  type Signer,
} from '@lounge/edge-agent/test-support';

export { API_TOKEN };

export interface BenchEdge {
  agent: Agent;
  url: string;
  signer: Signer;
  /** `n` distinct valid tokens for the agent's lounge. */
  tokens(n: number): Promise<string[]>;
  stop(): Promise<void>;
}

/** Starts the agent; `extra` is merged into its config file (scanners, …). */
export async function startBenchEdge(
  opts: { extra?: Record<string, unknown>; deps?: AgentDeps; signer?: Signer } = {},
): Promise<BenchEdge> {
  const signer = opts.signer ?? (await makeSigner());
  const cloud = await startFakeCloud([signer.publicJwk], systemClock);
  const tmp = tempDir();
  const { config } = parseConfig(rawConfig(tmp.dir, cloud.url, opts.extra), tmp.dir);
  // Real logging cost: JSON serialised and written, to a sink nobody reads.
  const log = pino(
    { base: { service: 'lounge-edge' } },
    pino.destination({ dest: '/dev/null', sync: false }),
  );
  const agent = createAgent(config, {
    log,
    clock: systemClock,
    defaultMetrics: false,
    ...opts.deps,
  });
  const { url } = await agent.start();
  return {
    agent,
    url,
    signer,
    async tokens(n) {
      const out: string[] = [];
      for (let i = 0; i < n; i++) out.push(await signer.token(systemClock));
      return out;
    },
    async stop() {
      await agent.stop();
      await cloud.close();
      tmp.cleanup();
    },
  };
}
