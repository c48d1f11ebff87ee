import type { CircuitState } from '@lounge/shared';
import type { Registry } from 'prom-client';
import { httpCrmClient } from './crm.ts';
import { httpEnrichmentClient } from './enrichment.ts';
import { HttpClient } from './http-client.ts';
import type { CallHook, Upstream, UpstreamConfig, UpstreamDeps } from './http-types.ts';
import { httpIbdpClient } from './ibdp.ts';
import { httpLoyaltyClient } from './loyalty.ts';
import { registerIntegrationMetrics } from './metrics.ts';
import type { Integrations } from './ports.ts';

export * from './ports.ts';
export { createStubIntegrations } from './stub.ts';
export type { StoredBatch, StubIntegrations } from './stub.ts';
export { MISSING_FLIGHT, UNAVAILABLE_CUSTOMER, UNAVAILABLE_FLIGHT } from './stub-data.ts';
export { stubFlight, stubMember } from './stub-data.ts';
export { DEFAULT_TUNING } from './http-types.ts';
export type { CallEvent, CallHook, CallOutcome, HttpTuning, Upstream } from './http-types.ts';
export { toNdjson } from './ibdp.ts';

/** Where each airline system lives (`*_URL`, `*_TOKEN`; SPEC.md section 3). */
export type IntegrationsConfig = Record<Upstream, UpstreamConfig>;

export interface IntegrationsDeps extends UpstreamDeps {
  /** Registers `lounge_upstream_*` metrics on it (see metrics.ts). */
  registry?: Registry | undefined;
}

/** The undici clients plus their breakers' states (for `/metrics` and `/readyz`). */
export interface HttpIntegrations extends Integrations {
  circuits(): Record<Upstream, CircuitState>;
}

/** Production integrations: one undici client, retry policy and circuit breaker per upstream. */
export function createHttpIntegrations(
  config: IntegrationsConfig,
  deps: IntegrationsDeps,
): HttpIntegrations {
  let metricsHook: CallHook | undefined;
  const onCall: CallHook = (event) => {
    metricsHook?.(event);
    deps.onCall?.(event);
  };
  const client = (name: Upstream): HttpClient =>
    new HttpClient(name, config[name], { ...deps, onCall });
  const http = {
    loyalty: client('loyalty'),
    enrichment: client('enrichment'),
    crm: client('crm'),
    ibdp: client('ibdp'),
  };
  const circuits = (): Record<Upstream, CircuitState> => ({
    loyalty: http.loyalty.breaker.state(),
    enrichment: http.enrichment.breaker.state(),
    crm: http.crm.breaker.state(),
    ibdp: http.ibdp.breaker.state(),
  });
  if (deps.registry) metricsHook = registerIntegrationMetrics(deps.registry, circuits);
  return {
    loyalty: httpLoyaltyClient(http.loyalty),
    enrichment: httpEnrichmentClient(http.enrichment),
    crm: httpCrmClient(http.crm),
    ibdp: httpIbdpClient(http.ibdp),
    circuits,
  };
}
