import type { Clock, LoungeConfig, LoungeEvent, RevocationMessage } from '@lounge/shared';
import type { ClockGuard } from './clock-guard.ts';
import type { JwksCache } from './jwks-cache.ts';
import type { LinkStatus, MqttState } from './link-status.ts';
import type { LoungeOccupancy } from './occupancy/lounge-occupancy.ts';
import {
  META,
  PeerEvents,
  type EdgeState,
  type PeerEventResult,
  type RevocationResult,
} from './state/index.ts';

/** The state calls the MQTT sync and the IBDP uploader make, so neither touches SQLite. */
export interface SyncHooks {
  applyRevocation(msg: RevocationMessage): RevocationResult;
  revocationSeq(): number;
  /**
   * Checks a lounge event received on the lounge topic (as `POST /v1/entries` would) and
   * counts it into consumption once per eventId; a refused one changes nothing.
   */
  applyLoungeEvent(event: unknown): PeerEventResult;
  /** The lounge's capacity, hours and zone from the cloud; an older one than held is ignored. */
  applyLoungeConfig(config: LoungeConfig): boolean;
  /** Our lounge events to publish on the lounge topic, oldest first. */
  pendingEntries(limit: number): { id: number; event: LoungeEvent }[];
  markEntryPublished(id: number): void;
  /** Refetches the JWKS now (the `lounge/v1/keys` message). */
  refreshKeys(): Promise<boolean>;
  /** Drops retired kids at once (the `retired` list of the `lounge/v1/keys` message). */
  dropRetiredKeys(kids: readonly string[]): void;
  setMqtt(state: MqttState): void;
  /** The revocation feed was caught up at this time. */
  markSynced(atMs?: number): void;
  markCloudContact(atMs?: number): void;
  observeRevocationHead(seq: number): void;
  observeCloudDate(cloudMs: number): void;
  observeTrustedTime(trustedMs: number, source: string): void;
}

/** Builds the hooks over the agent's state, link status, clock guard and key cache. */
export function createSyncHooks(d: {
  state: EdgeState;
  clock: Clock;
  link: LinkStatus;
  clockGuard: ClockGuard;
  jwks: JwksCache;
  occupancy: LoungeOccupancy;
  self: { deviceId: string; loungeId: string };
}): SyncHooks {
  const { state, clock, link, clockGuard, jwks } = d;
  const peers = new PeerEvents(state.db, state.invitations, d.self);
  return {
    applyRevocation: (msg) => state.invitations.applyRevocation(msg),
    revocationSeq: () => state.invitations.revocationSeq(),
    applyLoungeEvent: (event) => {
      const result = peers.apply(event, clock.now());
      if (result === 'applied') d.occupancy.changed();
      return result;
    },
    applyLoungeConfig: (config) => d.occupancy.setConfig(config),
    pendingEntries: (limit) => state.outbox.pending(limit),
    markEntryPublished: (id) => state.outbox.markPublished(id, clock.now()),
    refreshKeys: () => jwks.refresh(),
    dropRetiredKeys: (kids) => void jwks.dropRetired(kids),
    setMqtt: (s) => link.setMqtt(s),
    markSynced: (atMs = clock.now()) => {
      state.meta.set(META.lastSyncAt, new Date(atMs).toISOString());
      link.markCloudContact(atMs);
    },
    markCloudContact: (atMs) => link.markCloudContact(atMs),
    observeRevocationHead: (seq) => link.observeRevocationHead(seq),
    observeCloudDate: (cloudMs) => clockGuard.observeCloudDate(cloudMs),
    observeTrustedTime: (ms, source) => clockGuard.observeTrustedTime(ms, source),
  };
}
