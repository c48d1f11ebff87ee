import { backoffDelay, type Timers } from '@lounge/shared';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { Logger } from 'pino';

/** What the link needs to log in (SPEC.md 6: client id = username = deviceId). */
export interface MqttLinkOptions {
  url: string;
  clientId: string;
  username: string;
  password: string;
  /**
   * The last will, published by the broker when the link dies without a goodbye; a function
   * is called at each connect attempt (a will stamped with the time of that connect).
   */
  will: { topic: string; payload: string | (() => string) };
  /** Topics subscribed (QoS 1) on every connect. */
  subscriptions: string[];
  /** How long the broker keeps the session while we are away (MQTT 5), seconds. */
  sessionExpirySeconds?: number;
  /**
   * Reconnect backoff (default 10 s, 60 s): the first retry anywhere in [0, baseMs], then
   * [baseMs, 2·baseMs], [2·baseMs, 4·baseMs] … capped at maxMs. See {@link reconnectDelay}.
   */
  reconnect?: { baseMs: number; maxMs: number };
  timers: Timers;
  random?: () => number;
  log: Logger;
  onConnect: (info: { sessionPresent: boolean }) => void;
  onDisconnect: () => void;
  onMessage: (topic: string, payload: Buffer) => void;
  /** Test seam: mqtt.connect. */
  connect?: (url: string, opts: IClientOptions) => MqttClient;
}

const SEVEN_DAYS_S = 7 * 24 * 3600;
const DEFAULT_RECONNECT = { baseMs: 10_000, maxMs: 60_000 };

/**
 * Delay before reconnect attempt `attempt` (0-based). A fleet loses a broker together, so the
 * first retry is spread evenly over the whole first window (full jitter): a restart then
 * brings 1,000 boxes back at ~100 a second, not ~750 in the first second as equal jitter from
 * 1 s did (docs/performance.md "Fleet"). Later retries keep at least half their window
 * (equal jitter), which bounds the tail: every box is back within ~2·baseMs of a short outage.
 */
export function reconnectDelay(
  attempt: number,
  o: { baseMs: number; maxMs: number; random?: () => number },
): number {
  return backoffDelay(attempt, { ...o, jitter: attempt === 0 ? 'full' : 'equal' });
}

/**
 * One MQTT connection with our own reconnect loop: mqtt.js's is fixed-period, so it runs with
 * `reconnectPeriod: 0` and each attempt is a fresh client after a jittered backoff. Speaks
 * MQTT 5 and falls back to 3.1.1 once a broker refuses 5 (the embedded aedes broker).
 */
export class MqttLink {
  private client: MqttClient | undefined;
  private protocolVersion: 4 | 5 = 5;
  private attempt = 0;
  private retryTimer: unknown;
  private stopped = true;
  private up = false;
  private readonly unacked = new Set<() => void>();

  constructor(private readonly opts: MqttLinkOptions) {}

  get connected(): boolean {
    return this.up && this.client?.connected === true;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.open();
  }

  /** Publishes with QoS 1; resolves on PUBACK, rejects when not connected or the link drops. */
  publish(topic: string, payload: string, retain = false): Promise<void> {
    const client = this.client;
    if (!client || !this.connected) return Promise.reject(new Error('MQTT not connected'));
    return new Promise((resolve, reject) => {
      // With clean:false mqtt.js keeps unacknowledged publishes of a dead client forever.
      const onGone = (): void => reject(new Error('MQTT connection closed before PUBACK'));
      this.unacked.add(onGone);
      client.publish(topic, payload, { qos: 1, retain }, (err) => {
        this.unacked.delete(onGone);
        if (err) reject(err);
        else resolve();
      });
    });
  }

  /** Ends the link: `goodbye` is published first when connected, then a clean DISCONNECT. */
  async stop(goodbye?: { topic: string; payload: string }): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.retryTimer !== undefined) this.opts.timers.clearTimeout(this.retryTimer);
    const client = this.client;
    const wasConnected = this.connected;
    this.client = undefined;
    if (!client) return;
    if (goodbye && wasConnected) {
      await Promise.race([
        new Promise<void>((r) =>
          client.publish(goodbye.topic, goodbye.payload, { qos: 1, retain: true }, () => r()),
        ),
        new Promise<void>((r) => this.opts.timers.setTimeout(r, 2000)),
      ]);
    }
    this.markDown();
    await Promise.race([
      client.endAsync().catch(() => undefined),
      new Promise<void>((r) => this.opts.timers.setTimeout(r, 2000)),
    ]);
    client.end(true);
  }

  private open(): void {
    const o = this.opts;
    const v5 = this.protocolVersion === 5;
    const options: IClientOptions = {
      clientId: o.clientId,
      username: o.username,
      password: o.password,
      protocolVersion: this.protocolVersion,
      // Persistent session (SPEC.md 6): the broker queues QoS 1 messages while we are away;
      // under MQTT 5 only for sessionExpiryInterval, without which it would keep nothing.
      clean: false,
      ...(v5 && { properties: { sessionExpiryInterval: o.sessionExpirySeconds ?? SEVEN_DAYS_S } }),
      reconnectPeriod: 0,
      connectTimeout: 10_000,
      keepalive: 30,
      resubscribe: false,
      queueQoSZero: false,
      will: {
        topic: o.will.topic,
        payload: Buffer.from(
          typeof o.will.payload === 'function' ? o.will.payload() : o.will.payload,
        ),
        qos: 1,
        retain: true,
      },
    };
    const client = (o.connect ?? mqtt.connect)(o.url, options);
    this.client = client;
    client.on('connect', (connack) => {
      if (client !== this.client) return;
      this.attempt = 0;
      this.up = true;
      o.log.info({ url: o.url, sessionPresent: connack.sessionPresent }, 'MQTT connected');
      const subs = Object.fromEntries(o.subscriptions.map((t) => [t, { qos: 1 as const }]));
      client.subscribe(subs, (err) => {
        if (err) o.log.warn({ err: err.message }, 'MQTT subscribe failed');
      });
      o.onConnect({ sessionPresent: connack.sessionPresent });
    });
    client.on('message', (topic, payload) => {
      if (client === this.client) o.onMessage(topic, payload);
    });
    client.on('error', (err: Error & { code?: unknown }) => {
      // CONNACK code 1 (3.1.1) = unacceptable protocol version: the broker only speaks 3.1.1.
      if (v5 && err.code === 1) {
        this.protocolVersion = 4;
        o.log.info({ url: o.url }, 'broker refused MQTT 5; using MQTT 3.1.1');
      } else {
        o.log.warn({ url: o.url, err: err.message }, 'MQTT error');
      }
    });
    client.on('close', () => {
      if (client !== this.client || this.stopped) return;
      this.markDown();
      client.end(true);
      const fallback = v5 && this.protocolVersion === 4;
      const delay = fallback ? 0 : this.nextDelay();
      this.retryTimer = o.timers.setTimeout(() => {
        this.retryTimer = undefined;
        if (!this.stopped) this.open();
      }, delay);
    });
  }

  private nextDelay(): number {
    const { baseMs, maxMs } = this.opts.reconnect ?? DEFAULT_RECONNECT;
    return reconnectDelay(this.attempt++, { baseMs, maxMs, random: this.opts.random });
  }

  private markDown(): void {
    for (const reject of this.unacked) reject();
    this.unacked.clear();
    if (!this.up) return;
    this.up = false;
    this.opts.log.warn({ url: this.opts.url }, 'MQTT disconnected');
    this.opts.onDisconnect();
  }
}
