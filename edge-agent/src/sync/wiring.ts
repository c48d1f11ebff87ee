import { createRequire } from 'node:module';
import type { Clock, Ed25519PrivateJwk, Timers } from '@lounge/shared';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { fetch as undiciFetch } from 'undici';
import type { EdgeConfig } from '../config.ts';
import type { Fetch } from '../jwks-cache.ts';
import type { EdgeState } from '../state/index.ts';
import { IbdpUploader } from '../upload/uploader.ts';
import type { HeartbeatFacts } from './heartbeat.ts';
import type { SyncPort } from './port.ts';
import { SyncService } from './sync-service.ts';

/** The agent version from edge-agent/package.json (read when wiring, never on import). */
function agentVersion(): string {
  const pkg = createRequire(import.meta.url)('../../package.json') as { version?: string };
  return pkg.version ?? '0.0.0';
}

/** What the sync and the uploader take from an agent (an `Agent` fits it). */
export interface SyncedEdge {
  readonly config: EdgeConfig;
  readonly log: Logger;
  readonly deviceKey: Ed25519PrivateJwk | undefined;
  readonly state: EdgeState;
  readonly syncPort: SyncPort;
  readonly metrics: { registry: Registry };
  heartbeatFacts(): HeartbeatFacts;
}

/**
 * The MQTT sync and the IBDP uploader of an agent, for `createAgent(config, { subsystems })`.
 * Without `mqtt` in the config (or without the device key) there is no sync; without `ibdp`
 * no uploader (records stay pending, never deleted). Each is logged once.
 */
export function edgeSubsystems(
  agent: SyncedEdge,
  opts: { fetch?: Fetch; version?: string; clock?: Clock; timers?: Timers } = {},
): Array<SyncService | IbdpUploader> {
  const { config, log, deviceKey } = agent;
  const fetch = opts.fetch ?? (undiciFetch as unknown as Fetch);
  const out: Array<SyncService | IbdpUploader> = [];
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
        port: agent.syncPort,
        facts: () => agent.heartbeatFacts(),
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
