import type { Clock, LoungeConfig } from '@lounge/shared';
import type { JwksCache } from '../jwks-cache.ts';
import { LinkStatus, type MqttState } from '../link-status.ts';
import type { LoungeOccupancy } from '../occupancy/lounge-occupancy.ts';
import { META, PeerEvents, type EdgeState } from '../state/index.ts';
import type { EntryPort } from './entry-sync.ts';
import type { RevocationPort } from './revocation-sync.ts';

/** The edge as the MQTT sync drives it (SPEC.md 6): one port, built by `createSyncPort`. */
export interface SyncPort extends RevocationPort, EntryPort {
  /** Runs `fn` in one SQLite transaction (a feed page of 1,000 in one commit). */
  transaction<T>(fn: () => T): T;
  observeRevocationHead(seq: number): void;
  /** When the revocation feed was last caught up (ISO, from the state's meta table), or null. */
  lastSyncAt(): string | null;
  /** Deletes revocations of tokens that expired before `beforeSeconds`. */
  pruneRevocations(beforeSeconds: number): number;
  /** The lounge's capacity, hours and zone from the cloud; an older one than held is ignored. */
  applyLoungeConfig(config: LoungeConfig): boolean;
  /** Refetches the JWKS now (the `lounge/v1/keys` message). */
  refreshKeys(): Promise<boolean>;
  /** Drops retired kids at once (the `retired` list of the `lounge/v1/keys` message). */
  dropRetiredKeys(kids: readonly string[]): void;
  setMqtt(state: MqttState): void;
  /** A cloud HTTP `Date` header, read now. */
  observeCloudDate(cloudMs: number): void;
  /** A time a trusted message (MQTT) vouches for. */
  observeTrustedTime(trustedMs: number, source: string): void;
}

/** What the port reaches besides the state. Only `self` is needed; the rest is the agent's. */
export interface SyncPortParts {
  /** This box: its own events on the lounge topic are echoes, and other lounges' are refused. */
  self: { deviceId: string; loungeId: string };
  /** MQTT state, cloud contact and revocation head; default: a new one over the state's meta. */
  link?: LinkStatus;
  /** The agent's key cache; default: no fetch (`refreshKeys` is false), drops from the state. */
  jwks?: Pick<JwksCache, 'refresh' | 'dropRetired'>;
  /** The agent's occupancy, told of peer events and config; default: the state's store only. */
  occupancy?: Pick<LoungeOccupancy, 'changed' | 'setConfig'>;
}

/**
 * Builds the sync port over an edge's state. The agent passes its live parts; a test or a
 * fleet benchmark can drive the real sync code (`RevocationSync`, `EntrySync`, `SyncService`)
 * over a bare state: `createSyncPort(openEdgeState({ file: ':memory:' }), clock, { self })`.
 */
export function createSyncPort(state: EdgeState, clock: Clock, parts: SyncPortParts): SyncPort {
  const link = parts.link ?? new LinkStatus(state.meta, clock);
  const { jwks, occupancy } = parts;
  const peers = new PeerEvents(state.db, state.invitations, parts.self);
  return {
    applyRevocation: (msg) => state.invitations.applyRevocation(msg),
    revocationSeq: () => state.invitations.revocationSeq(),
    // IMMEDIATE: `lounge-provision staff` writes edge.db from another process; a transaction
    // that read first could not take the write lock after its commit (SQLITE_BUSY_SNAPSHOT).
    transaction: (fn) => state.db.transaction(fn).immediate(),
    markSynced: (atMs = clock.now()) => {
      state.meta.set(META.lastSyncAt, new Date(atMs).toISOString());
      link.markCloudContact(atMs);
    },
    lastSyncAt: () => state.meta.get(META.lastSyncAt) ?? null,
    markCloudContact: (atMs) => link.markCloudContact(atMs),
    observeRevocationHead: (seq) => link.observeRevocationHead(seq),
    pruneRevocations: (before) => state.invitations.pruneRevocations(before),
    applyLoungeEvent: (event) => {
      const result = peers.apply(event, clock.now());
      if (result === 'applied') occupancy?.changed();
      return result;
    },
    applyLoungeConfig: (config) =>
      occupancy ? occupancy.setConfig(config) : state.occupancy.saveConfig(config),
    pendingEntries: (limit) => state.outbox.pending(limit),
    markEntryPublished: (id) => state.outbox.markPublished(id, clock.now()),
    refreshKeys: () => jwks?.refresh() ?? Promise.resolve(false),
    dropRetiredKeys: (kids) => (jwks ? void jwks.dropRetired(kids) : state.keys.remove(kids)),
    setMqtt: (s) => link.setMqtt(s),
    observeCloudDate: (cloudMs) => state.trustedTime.measure(cloudMs, clock.now(), 'cloud'),
    observeTrustedTime: (ms, source) => state.trustedTime.raise(ms, source),
  };
}
