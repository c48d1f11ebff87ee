import type { Heartbeat } from '@lounge/shared';
import type { Health } from '../health.ts';

/** What the agent knows besides `/healthz` that a heartbeat carries (SPEC.md 6). */
export interface HeartbeatFacts {
  /** The `/healthz` body, from the same `buildHealth` the local API serves. */
  health: Health;
  /** Key ids in the cached JWKS (which signing keys this box trusts). */
  kids: string[];
  /** Free bytes on the data dir's file system; null when it could not be read. */
  freeBytes: number | null;
}

/**
 * The heartbeat: the `/healthz` body plus `{online:true, version, kids, storage:{freeBytes},
 * at}` (SPEC.md 6). Whatever `/healthz` gains (occupancy, …) is carried along as it is.
 */
export function buildHeartbeat(facts: HeartbeatFacts, version: string, nowMs: number) {
  return {
    ...facts.health,
    online: true as const,
    version,
    kids: facts.kids,
    storage: { freeBytes: facts.freeBytes },
    at: new Date(nowMs).toISOString(),
  } satisfies Heartbeat;
}

/**
 * What counts as a change worth an early heartbeat (SPEC.md 6): the overall status and each
 * scanner's state. Counters (pending uploads, seq) ride on the next periodic one.
 */
export function changeKey(health: Health): string {
  return JSON.stringify([health.status, health.scanners.map((s) => [s.id, s.status])]);
}
