import { createPublicKey } from 'node:crypto';
import {
  decide,
  isEd25519PublicJwk,
  joinUrl,
  verifyToken,
  type VerificationKey,
} from '@lounge/shared';
import type { Clock } from '@lounge/shared';
import { agentUrl } from './agent-url.ts';
import type { Fetch } from './cloud-client.ts';
import type { EdgeConfig } from './edge-config.ts';

/** What `test-scan` prints: the decision and where it came from. */
export interface DryRun {
  source: 'agent' | 'offline';
  decision: string;
  reason: string;
  invitationId: string | null;
  admit: number;
  entriesLeft: number;
}

const TIMEOUT_MS = 3_000;

/**
 * The running agent's `POST /v1/verify` answers with everything it knows (revocations,
 * entries used); without it, verify against the cloud's JWKS as a fresh invitation would be.
 */
export async function dryRun(
  code: string,
  config: EdgeConfig,
  fetch: Fetch,
  clock: Clock,
): Promise<DryRun | undefined> {
  return (await askAgent(code, config, fetch)) ?? (await decideOffline(code, config, fetch, clock));
}

async function askAgent(
  code: string,
  config: EdgeConfig,
  fetch: Fetch,
): Promise<DryRun | undefined> {
  try {
    const res = await fetch(`${agentUrl(config.api)}/v1/verify`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${config.api.token}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ code }),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    if (!res.ok) return undefined;
    const d = (await res.json()) as Omit<DryRun, 'source'>;
    return {
      source: 'agent',
      decision: d.decision,
      reason: d.reason,
      invitationId: d.invitationId,
      admit: d.admit,
      entriesLeft: d.entriesLeft,
    };
  } catch {
    return undefined;
  }
}

async function decideOffline(
  code: string,
  config: EdgeConfig,
  fetch: Fetch,
  clock: Clock,
): Promise<DryRun | undefined> {
  const keys = new Map<string, VerificationKey>();
  try {
    const res = await fetch(joinUrl(config.cloudUrl, '/.well-known/jwks.json'), {
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    if (!res.ok) return undefined;
    const jwks = (await res.json()) as { keys?: unknown[] };
    for (const jwk of jwks.keys ?? []) {
      if (isEd25519PublicJwk(jwk) && jwk.kid)
        keys.set(jwk.kid, createPublicKey({ key: { ...jwk }, format: 'jwk' }));
    }
  } catch {
    return undefined;
  }
  const verification = await verifyToken(code, (kid) => (kid ? keys.get(kid) : undefined));
  const outcome = decide({
    verification,
    state: { revoked: false, entriesUsed: 0 },
    loungeId: config.loungeId,
    nowMs: clock.now(),
    clockSkewSeconds: config.clockSkewSeconds,
  });
  return { source: 'offline', ...pick(outcome) };
}

const pick = (o: Omit<DryRun, 'source'>): Omit<DryRun, 'source'> => ({
  decision: o.decision,
  reason: o.reason,
  invitationId: o.invitationId,
  admit: o.admit,
  entriesLeft: o.entriesLeft,
});

/** One line for the technician. */
export function formatDryRun(d: DryRun): string {
  const from =
    d.source === 'agent'
      ? 'the running agent'
      : 'offline check with the cloud keys; revocations and used entries not known';
  const what =
    d.decision === 'grant'
      ? `grant, admit ${d.admit}, entries left ${d.entriesLeft}`
      : `deny (${d.reason})`;
  return `decision (dry run): ${what}${d.invitationId ? ` for ${d.invitationId}` : ''} [${from}]`;
}
