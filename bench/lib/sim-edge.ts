// A simulated edge for the fleet bench: the edge's real sync (SyncService: the MQTT link with
// its persistent session and jittered reconnect, revocation apply and catch-up over
// GET /v1/revocations with device assertions, the heartbeat) over an in-memory EdgeState.
// Only `simSyncPort` knows the shape of the sync's port: it is the one place to re-point when
// the edge's sync wiring changes.
import { systemClock, type RevocationMessage } from '@lounge/shared';
import {
  openEdgeState,
  type EdgeState,
  type Fetch,
  type Health,
  type MqttState,
} from '@lounge/edge-agent';
import {
  createSyncPort,
  SyncService,
  type HeartbeatFacts,
  type SyncPort,
  type SyncServiceOptions,
} from '@lounge/edge-agent/sync';
import type { Logger } from 'pino';

/** What one simulated box is given at enrolment (as a real box's config and device key). */
export type SimEdgeIdentity = Pick<
  SyncServiceOptions,
  'deviceId' | 'loungeId' | 'cloudUrl' | 'issuer' | 'mqtt' | 'deviceKey'
>;

export interface SimEdgeOptions {
  fetch: Fetch;
  log: Logger;
  /** The safety-net poll of the feed (the edge's default is 5 min). */
  pollIntervalMs?: number;
  /** The MQTT reconnect backoff (the edge's default: first retry within 10 s). */
  reconnect?: { baseMs: number; maxMs: number };
}

/** How the revocations reached the box: live MQTT messages or catch-up pages. */
export interface AppliedCounts {
  live: number;
  catchUp: number;
}

/** One simulated box. */
export interface SimEdge {
  readonly deviceId: string;
  readonly state: EdgeState;
  readonly applied: AppliedCounts;
  seq(): number;
  connected(): boolean;
  /** Resolves with `performance.now()` once revocation `seq` is applied (at once if it is). */
  reached(seq: number): Promise<number>;
  start(): void;
  stop(): Promise<void>;
}

type Tracker = { applied: AppliedCounts; onApplied(seq: number): void };

/**
 * The edge's real sync port over an in-memory EdgeState (`createSyncPort`), counting how each
 * revocation arrived, and the heartbeat facts a real box would report.
 */
export function simSyncPort(
  state: EdgeState,
  id: SimEdgeIdentity,
  track: Tracker,
): { port: SyncPort; facts: () => HeartbeatFacts } {
  const real = createSyncPort(state, systemClock, {
    self: { deviceId: id.deviceId, loungeId: id.loungeId },
  });
  let mqtt: MqttState = 'disconnected';
  let head = 0;
  let inCatchUp = false;
  const seq = () => state.invitations.revocationSeq();
  const health = (): Health => ({
    status: 'ok',
    deviceId: id.deviceId,
    loungeId: id.loungeId,
    sync: {
      revocationSeq: seq(),
      revocationLag: Math.max(0, head - seq()),
      lastSyncAt: real.lastSyncAt(),
      mqtt,
    },
    scanners: [{ id: 'gate1', type: 'serial', status: 'connected' }],
    uploads: { pending: 0, oldestPendingAt: null, lastUploadAt: null, lastError: null },
    occupancy: { inside: 0, capacity: null },
    clock: { suspect: false, skewSeconds: 0 },
  });
  const port: SyncPort = {
    ...real,
    applyRevocation(msg: RevocationMessage) {
      const result = real.applyRevocation(msg);
      if (result === 'applied') {
        if (inCatchUp) track.applied.catchUp++;
        else track.applied.live++;
        track.onApplied(msg.seq);
      }
      return result;
    },
    setMqtt(s) {
      mqtt = s;
      real.setMqtt(s);
    },
    observeRevocationHead(s) {
      head = Math.max(head, s);
      real.observeRevocationHead(s);
    },
    // Only the catch-up applies inside a transaction (a page per commit): that tells the paths apart.
    transaction(fn) {
      inCatchUp = true;
      try {
        return real.transaction(fn);
      } finally {
        inCatchUp = false;
      }
    },
  };
  const facts = () => ({ health: health(), kids: ['kBench01'], freeBytes: 12_884_901_888 });
  return { port, facts };
}

/** Builds one simulated box (not started). */
export function createSimEdge(id: SimEdgeIdentity, opts: SimEdgeOptions): SimEdge {
  const state = openEdgeState({ file: ':memory:' });
  const applied: AppliedCounts = { live: 0, catchUp: 0 };
  const waiters = new Map<number, Array<(at: number) => void>>();
  const onApplied = (seq: number) => {
    const done = waiters.get(seq);
    if (!done) return;
    waiters.delete(seq);
    const at = performance.now();
    for (const resolve of done) resolve(at);
  };
  const sync = new SyncService({
    deviceId: id.deviceId,
    loungeId: id.loungeId,
    cloudUrl: id.cloudUrl,
    issuer: id.issuer,
    mqtt: id.mqtt,
    deviceKey: id.deviceKey,
    clockSkewSeconds: 300,
    version: 'fleet-bench',
    ...simSyncPort(state, id, { applied, onApplied }),
    log: opts.log,
    fetch: opts.fetch,
    pollIntervalMs: opts.pollIntervalMs,
    reconnect: opts.reconnect,
  });
  return {
    deviceId: id.deviceId,
    state,
    applied,
    seq: () => state.invitations.revocationSeq(),
    connected: () => sync.health().mqtt === 'connected',
    reached(seq) {
      if (state.invitations.revocationSeq() >= seq) return Promise.resolve(performance.now());
      return new Promise((resolve) => {
        const list = waiters.get(seq) ?? [];
        list.push(resolve);
        waiters.set(seq, list);
      });
    },
    start: () => sync.start(),
    async stop() {
      await sync.stop();
      state.close();
    },
  };
}
