import { createRequire } from 'node:module';
import type { Clock, Timers } from '@lounge/shared';
import { fetch as undiciFetch } from 'undici';
import type { Agent, Subsystem } from '../agent.ts';
import type { Fetch } from '../jwks-cache.ts';
import { IbdpUploader } from '../upload/uploader.ts';
import { SyncService, type SyncPort } from './sync-service.ts';

/** The agent version from edge-agent/package.json (read when wiring, never on import). */
function agentVersion(): string {
  const pkg = createRequire(import.meta.url)('../../package.json') as { version?: string };
  return pkg.version ?? '0.0.0';
}

/** The sync's view of an agent: its hooks, revocation pruning and page transactions. */
export function syncPortOf(agent: Agent): SyncPort {
  const { state } = agent;
  return {
    ...agent.sync,
    pruneRevocations: (before) => state.invitations.pruneRevocations(before),
    heartbeatFacts: () => agent.heartbeatFacts(),
    transaction: (fn) => state.db.transaction(fn)(),
  };
}

/**
 * The MQTT sync and the IBDP uploader of an agent, for `createAgent(config, { subsystems })`.
 * Without `mqtt` in the config (or without the device key) there is no sync; without `ibdp`
 * no uploader (records stay pending, never deleted). Each is logged once.
 */
export function edgeSubsystems(
  agent: Agent,
  opts: { fetch?: Fetch; version?: string; clock?: Clock; timers?: Timers } = {},
): Array<Subsystem & { wake(): void }> {
  const { config, log, deviceKey } = agent;
  const fetch = opts.fetch ?? (undiciFetch as unknown as Fetch);
  const out: Array<Subsystem & { wake(): void }> = [];
  if (config.mqtt && deviceKey) {
    out.push(
      new SyncService({
        deviceId: config.deviceId,
        loungeId: config.loungeId,
        cloudUrl: config.cloudUrl,
        issuer: config.issuer,
        mqtt: config.mqtt,
        deviceKey,
        clockSkewSeconds: config.clockSkewSeconds,
        version: opts.version ?? agentVersion(),
        port: syncPortOf(agent),
        log: log.child({ subsystem: 'sync' }),
        fetch,
        clock: opts.clock,
        timers: opts.timers,
        registry: agent.metrics.registry,
      }),
    );
  } else {
    log.warn(
      config.mqtt ? 'no device key: MQTT sync disabled' : 'no mqtt in the config: sync disabled',
    );
  }
  if (config.ibdp) {
    out.push(
      new IbdpUploader({
        db: agent.state.db,
        ibdp: config.ibdp,
        fetch,
        log: log.child({ subsystem: 'upload' }),
        clock: opts.clock,
        timers: opts.timers,
        registry: agent.metrics.registry,
      }),
    );
  } else {
    log.warn('no ibdp in the config: access-log records stay pending');
  }
  return out;
}
