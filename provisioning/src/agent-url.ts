import type { EdgeConfig } from './edge-config.ts';

/**
 * The agent's local API as a tool on the same box reaches it (SPEC.md 6: tools acting for a
 * box read its API instead of logging in as it): a wildcard listen address means loopback.
 */
export function agentUrl(api: EdgeConfig['api']): string {
  const host = api.host === '0.0.0.0' || api.host === '::' ? '127.0.0.1' : api.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${api.port}`;
}
