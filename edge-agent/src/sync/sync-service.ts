import {
  keysMessageSchema,
  loungeConfigSchema,
  revocationHeadSchema,
  revocationMessageSchema,
  systemClock,
  TOPICS,
  type Clock,
  type Ed25519PrivateJwk,
} from '@lounge/shared';
import type { MqttClient, IClientOptions } from 'mqtt';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Fetch } from '../jwks-cache.ts';
import type { MqttState } from '../link-status.ts';
import { EntrySync } from './entry-sync.ts';
import type { HeartbeatFacts } from './heartbeat.ts';
import { createSyncMetrics, type SyncMetrics } from './metrics.ts';
import { MqttLink } from './mqtt-link.ts';
import { RevocationFeed } from './revocation-feed.ts';
import type { SyncPort } from './port.ts';
import { RevocationSync } from './revocation-sync.ts';
import { StatusPublisher } from './status-publisher.ts';
import { backgroundTimers, type TimerHandle, type Timers } from '@lounge/shared';

export interface SyncServiceOptions {
  deviceId: string;
  loungeId: string;
  cloudUrl: string;
  /** The cloud's PUBLIC_URL (device assertion audience). */
  issuer: string;
  mqtt: { url: string; username: string; password: string };
  deviceKey: Ed25519PrivateJwk;
  clockSkewSeconds: number;
  /** The agent version, in the status message. */
  version: string;
  /** Heartbeat timings (SPEC.md 6: every 60 s, on change at most every 5 s). */
  heartbeat?: { intervalMs?: number; minIntervalMs?: number; checkIntervalMs?: number };
  port: SyncPort;
  /** The agent's `/healthz` body and the rest of the heartbeat (SPEC.md 6). */
  facts: () => HeartbeatFacts;
  log: Logger;
  fetch: Fetch;
  clock?: Clock;
  timers?: Timers;
  random?: () => number;
  registry?: Registry;
  /** Safety-net poll of the revocation feed (SPEC.md 6: 5 min). */
  pollIntervalMs?: number;
  /** Pruning of expired revocations (hourly). */
  pruneIntervalMs?: number;
  /** How often the entry outbox is checked besides `wake()`. */
  drainIntervalMs?: number;
  reconnect?: { baseMs: number; maxMs: number };
  catchUpRetry?: { baseMs: number; maxMs: number };
  sessionExpirySeconds?: number;
  /** Test seam: mqtt.connect. */
  connect?: (url: string, opts: IClientOptions) => MqttClient;
}

/** What `/healthz` and diagnostics show of the sync. */
export interface SyncStatus {
  mqtt: MqttState;
  revocationSeq: number;
  headSeq: number;
  lag: number;
  lastSyncAt: string | null;
}

/**
 * MQTT sync of one edge (SPEC.md 6): revocations (live, plus catch-up from the cloud feed),
 * key rotations, entry events across the lounge's gates and the device status.
 */
export class SyncService {
  private readonly link: MqttLink;
  private readonly revocations: RevocationSync;
  private readonly entries: EntrySync;
  private readonly status: StatusPublisher;
  private readonly metrics: SyncMetrics | undefined;
  private readonly timers: Timers;
  private readonly clock: Clock;
  private readonly handles = new Map<string, TimerHandle>();
  private readonly feed: RevocationFeed;
  private readonly configTopic: string;
  private running = false;

  constructor(private readonly opts: SyncServiceOptions) {
    const { port, log } = opts;
    this.timers = opts.timers ?? backgroundTimers;
    this.clock = opts.clock ?? systemClock;
    const statusTopic = TOPICS.deviceStatus(opts.deviceId);
    const entriesTopic = TOPICS.loungeEntries(opts.loungeId);
    this.configTopic = TOPICS.loungeConfig(opts.loungeId);
    this.link = new MqttLink({
      url: opts.mqtt.url,
      clientId: opts.deviceId,
      username: opts.mqtt.username,
      password: opts.mqtt.password,
      will: { topic: statusTopic, payload: () => this.status.offline() },
      subscriptions: [
        TOPICS.revocations,
        TOPICS.revocationsHead,
        TOPICS.keys,
        entriesTopic,
        this.configTopic,
      ],
      sessionExpirySeconds: opts.sessionExpirySeconds,
      reconnect: opts.reconnect,
      timers: this.timers,
      random: opts.random,
      log,
      connect: opts.connect,
      onConnect: () => this.onConnect(),
      onDisconnect: () => this.onDisconnect(),
      onMessage: (topic, payload) => this.onMessage(topic, payload),
    });
    this.metrics = opts.registry
      ? createSyncMetrics(opts.registry, {
          connected: () => this.link.connected,
          revocationSeq: () => port.revocationSeq(),
          lag: () => this.revocations.lag(),
        })
      : undefined;
    const feed = (this.feed = new RevocationFeed({
      cloudUrl: opts.cloudUrl,
      issuer: opts.issuer,
      deviceId: opts.deviceId,
      deviceKey: opts.deviceKey,
      fetch: opts.fetch,
      clock: this.clock,
      onCloudDate: (ms) => port.observeCloudDate(ms),
    }));
    this.revocations = new RevocationSync({
      port,
      feed,
      timers: this.timers,
      log,
      retry: opts.catchUpRetry,
      random: opts.random,
      onApplied: (n) => {
        this.metrics?.revocationsApplied.inc(n);
        this.status.soon();
      },
      onCatchUp: (ok) => this.metrics?.catchUps.inc({ result: ok ? 'ok' : 'error' }),
    });
    this.entries = new EntrySync({
      port,
      deviceId: opts.deviceId,
      topic: entriesTopic,
      publish: (topic, payload) => this.link.publish(topic, payload),
      log,
      onReceived: () => this.metrics?.entriesReceived.inc(),
      onRefused: (code) => this.metrics?.entriesRefused.inc({ code }),
    });
    this.status = new StatusPublisher({
      topic: statusTopic,
      version: opts.version,
      clock: this.clock,
      timers: this.timers,
      facts: opts.facts,
      publish: (topic, payload) => this.link.publish(topic, payload, true),
      ...opts.heartbeat,
    });
  }

  /** Connects and starts the timers; the first catch-up runs at once (the cloud may be up). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.link.start();
    void this.revocations.trigger('start');
    void this.fetchLoungeConfig();
    this.every('poll', this.opts.pollIntervalMs ?? 5 * 60_000, () => {
      void this.revocations.trigger('poll');
    });
    this.every('prune', this.opts.pruneIntervalMs ?? 3600_000, () => this.prune());
    this.every('drain', this.opts.drainIntervalMs ?? 250, () => void this.entries.drain());
  }

  /** Flushes the entry outbox if connected, publishes `{online:false}`, disconnects. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    for (const h of this.handles.values()) this.timers.clearTimeout(h);
    this.handles.clear();
    this.revocations.stop();
    this.status.stop();
    await Promise.race([
      Promise.all([this.entries.drain(), this.revocations.settled()]),
      new Promise<void>((r) => this.timers.setTimeout(r, 2000)),
    ]);
    await this.link.stop({
      topic: TOPICS.deviceStatus(this.opts.deviceId),
      payload: this.status.offline(),
    });
  }

  /** A grant or annulment was recorded: publish it now rather than on the next tick. */
  wake(): void {
    void this.entries.drain();
  }

  /** Pages through the cloud feed now (coalesced with any running catch-up). */
  catchUp(): Promise<void> {
    return this.revocations.trigger('requested');
  }

  /** Deletes revocations whose token expired more than clockSkewSeconds ago. */
  prune(): number {
    const before = Math.floor(this.clock.now() / 1000) - this.opts.clockSkewSeconds;
    const n = this.opts.port.pruneRevocations(before);
    if (n > 0) this.opts.log.info({ pruned: n }, 'expired revocations pruned');
    return n;
  }

  health(): SyncStatus {
    return {
      mqtt: this.link.connected ? 'connected' : 'disconnected',
      revocationSeq: this.opts.port.revocationSeq(),
      headSeq: this.revocations.headSeq,
      lag: this.revocations.lag(),
      lastSyncAt: this.opts.port.lastSyncAt(),
    };
  }

  private every(name: string, ms: number, fn: () => void): void {
    const tick = (): void => {
      if (!this.running) return;
      try {
        fn();
      } catch (err) {
        this.opts.log.error({ err, task: name }, 'sync task failed');
      }
      this.handles.set(name, this.timers.setTimeout(tick, ms));
    };
    this.handles.set(name, this.timers.setTimeout(tick, ms));
  }

  private onConnect(): void {
    this.opts.port.setMqtt('connected');
    this.status.start();
    this.entries.setConnected(true);
    void this.revocations.trigger('connect');
    // A broker that lost its retained messages has no config for us: ask the cloud (SPEC.md 8).
    void this.fetchLoungeConfig();
  }

  /** Reads the lounge config from the cloud; a failure keeps the one held (logged). */
  async fetchLoungeConfig(): Promise<boolean> {
    const { port, log, loungeId } = this.opts;
    try {
      return port.applyLoungeConfig(await this.feed.loungeConfig(loungeId));
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'lounge config not fetched; keeping the one held');
      return false;
    }
  }

  private onDisconnect(): void {
    this.opts.port.setMqtt('disconnected');
    this.status.pause();
    this.entries.setConnected(false);
  }

  private onMessage(topic: string, payload: Buffer): void {
    const { port, log } = this.opts;
    try {
      const json: unknown = JSON.parse(payload.toString('utf8'));
      if (topic === TOPICS.revocations) {
        const msg = revocationMessageSchema.parse(json);
        this.trust(msg.revokedAt);
        this.revocations.onRevocation(msg);
      } else if (topic === TOPICS.revocationsHead) {
        this.revocations.onHead(revocationHeadSchema.parse(json).seq);
      } else if (topic === TOPICS.keys) {
        const msg = keysMessageSchema.parse(json);
        this.trust(msg.updatedAt);
        // A retired (leaked) key goes before anything else: its tokens are denied from now.
        port.dropRetiredKeys(msg.retired);
        void port.refreshKeys();
      } else if (topic === this.configTopic) {
        const changed = port.applyLoungeConfig(loungeConfigSchema.parse(json));
        if (changed) log.info({ config: json }, 'lounge config received');
      } else {
        this.entries.onMessage(json);
      }
    } catch (err) {
      // A bad payload must never stop the sync: log it, count it, drop it.
      this.metrics?.droppedMessages.inc({ topic });
      log.warn({ topic, err: (err as Error).message.slice(0, 300) }, 'MQTT message dropped');
    }
  }

  /** Times stamped by the cloud raise the trusted-time floor (SPEC.md 8). */
  private trust(iso: string): void {
    const ms = Date.parse(iso);
    if (Number.isFinite(ms)) this.opts.port.observeTrustedTime(ms, 'mqtt');
  }
}
