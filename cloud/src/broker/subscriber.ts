import {
  backgroundTimers,
  backoffDelay,
  deviceStatusSchema,
  sleep,
  TOPICS,
  type DeviceStatus,
} from '@lounge/shared';
import type { IClientSubscribeOptions, MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { DatabaseUnavailableError } from '../store/errors.ts';
import type { CloudStore } from '../store/port.ts';
import { CLOUD_SHARE_GROUP } from './dynsec.ts';

/**
 * Records a batch of lounge events received on one lounge's topic (the use case behind
 * `POST /v1/entries`): `mayAuthor` says whether a device is an active device of that lounge.
 */
export type RecordEvents = (
  loungeId: string,
  events: unknown[],
  mayAuthor: (deviceId: string) => boolean,
) => Promise<unknown>;

/**
 * Records a device's status message in the fleet view (the use case `recordDeviceStatus`);
 * false when it changed nothing: applied already, or no such active device.
 */
export type RecordStatus = (
  deviceId: string,
  status: DeviceStatus,
  retained: boolean,
) => Promise<boolean>;

/** What the subscriber needs. */
export interface SubscriberOptions {
  client: MqttClient;
  store: Pick<CloudStore, 'findDevice'>;
  recordEvents: RecordEvents;
  recordStatus: RecordStatus;
  log: Logger;
  /**
   * MQTT 5 shared subscription for entries (external broker), so each entry event is handled
   * by one cloud instance. aedes has none: plain subscription (one instance only anyway).
   */
  shared: boolean;
  /** Waits between attempts at a message that could not be applied (default 100 ms to 5 s). */
  backoff?: { baseMs: number; maxMs: number };
  /**
   * Attempts at a message that fails for another reason than the database being away, before
   * it is logged and dropped (default 5): a message no attempt can apply would otherwise hold
   * up every later one.
   */
  maxAttempts?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

const STATUS_RE = /^lounge\/v1\/devices\/([^/]+)\/status$/;
const ENTRIES_RE = /^lounge\/v1\/lounges\/([^/]+)\/entries$/;

/** The entries filter the cloud subscribes to (shared or plain). */
export const entriesFilter = (shared: boolean): string =>
  shared ? `$share/${CLOUD_SHARE_GROUP}/${TOPICS.allLoungeEntries}` : TOPICS.allLoungeEntries;

/** A message given up because its connection ended: unacknowledged, the broker redelivers it. */
class ConnectionEnded extends Error {}

/**
 * The cloud side of what devices publish (SPEC.md section 6): lounge events go through the
 * checks and the use case of `POST /v1/entries` (an event's deviceId must be an active device
 * of the topic's lounge, a grant's invitation of that lounge; refusals are logged, counted
 * and dropped), and statuses update the fleet view (the topic must name an active device;
 * docs/mqtt.md "Heartbeats").
 *
 * At least once: a message is acknowledged (PUBACK) only after what it says is committed.
 * mqtt.js sends the PUBACK when `handleMessage` calls back and hands over the next message
 * only then, so messages are applied one at a time, in order. A failed one is retried with
 * backoff on the same connection; when that connection ends first it is left unacknowledged
 * and the broker hands it over again on the persistent session (mqtt-publisher.ts). Replays
 * are harmless: events are stored by eventId. A device's lounge is read from the store for
 * every message (no cache): a decommission on any instance is seen at once by all.
 */
export function startSubscriber(o: SubscriberOptions) {
  const { client, log } = o;
  const backoff = o.backoff ?? { baseMs: 100, maxMs: 5000 };
  const maxAttempts = o.maxAttempts ?? 5;
  const wait = o.sleep ?? ((ms: number) => sleep(ms, undefined, backgroundTimers));
  let connection = 0;
  let stopped = false;
  let inFlight: Promise<void> | null = null;
  const filters: Record<string, IClientSubscribeOptions> = {
    [entriesFilter(o.shared)]: { qos: 1 },
    [TOPICS.allDeviceStatus]: { qos: 1 },
  };

  /** The lounge of an active device, null when unknown or decommissioned. */
  async function loungeOf(deviceId: string): Promise<string | null> {
    const device = await o.store.findDevice(deviceId);
    return device && device.decommissionedAt === null ? device.loungeId : null;
  }

  const subscribe = () =>
    client.subscribe(filters, (err) => {
      if (err) log.error({ err: err.message }, 'could not subscribe to device topics');
    });
  const onClose = () => void connection++;

  function parse<T>(
    payload: Buffer,
    schema: { safeParse(v: unknown): { success: boolean; data?: T } },
  ): T | null {
    try {
      const parsed = schema.safeParse(JSON.parse(payload.toString('utf8')));
      return parsed.success ? (parsed.data as T) : null;
    } catch {
      return null;
    }
  }

  /**
   * One UPDATE, no read first: every instance gets every status (a plain subscription, so a
   * restarted instance gets the retained ones), and the copies after the first are no-ops.
   */
  async function onStatus(deviceId: string, status: DeviceStatus, retained: boolean) {
    const changed = await o.recordStatus(deviceId, status, retained);
    if (!changed) {
      log.debug({ deviceId }, 'status not applied: applied already, or no such active device');
    }
  }

  async function onEntry(loungeId: string, payload: Buffer): Promise<void> {
    // Not JSON: `undefined`, which the checks refuse (and count) as INVALID_EVENT.
    let event: unknown;
    try {
      event = JSON.parse(payload.toString('utf8'));
    } catch {
      event = undefined;
    }
    const deviceId = (event as { deviceId?: unknown } | null | undefined)?.deviceId;
    const author =
      typeof deviceId === 'string' && (await loungeOf(deviceId)) === loungeId ? deviceId : null;
    await o.recordEvents(loungeId, [event], (d) => d === author);
  }

  /** What a message asks for, or null when it is none of ours (dynsec replies, …). */
  function workOf(topic: string, payload: Buffer, retained: boolean): (() => Promise<void>) | null {
    const status = STATUS_RE.exec(topic);
    if (status) {
      const parsed = parse<DeviceStatus>(payload, deviceStatusSchema);
      if (parsed) return () => onStatus(status[1]!, parsed, retained);
      log.warn({ topic }, 'device status dropped: not valid JSON of the status schema');
      return null;
    }
    const entries = ENTRIES_RE.exec(topic);
    return entries ? () => onEntry(entries[1]!, payload) : null;
  }

  /** Applies a message, retrying on the connection that brought it. */
  async function apply(topic: string, work: () => Promise<void>): Promise<void> {
    const on = connection;
    for (let attempt = 1; ; attempt++) {
      try {
        await work();
        return;
      } catch (err) {
        // Stopping, or another connection: leave it unacknowledged, for the broker to resend.
        const ended = () => stopped || on !== connection;
        if (ended()) throw new ConnectionEnded('connection ended before the message was applied');
        const away = err instanceof DatabaseUnavailableError;
        if (!away && attempt >= maxAttempts) {
          log.error({ err, topic, attempt }, 'device message dropped: it failed every attempt');
          return;
        }
        const delayMs = backoffDelay(attempt - 1, { ...backoff, jitter: 'full', random: o.random });
        log.warn({ err: String(err), topic, attempt, delayMs }, 'device message not applied yet');
        await wait(delayMs);
        if (ended()) throw new ConnectionEnded('connection ended before the message was applied');
      }
    }
  }

  // mqtt.js calls this for every PUBLISH after the `message` event and acknowledges the
  // message when it calls back without an error; with an error, no PUBACK is sent.
  const handleMessage: MqttClient['handleMessage'] = (packet, callback) => {
    const topic = String(packet.topic);
    const payload = Buffer.isBuffer(packet.payload)
      ? packet.payload
      : Buffer.from(packet.payload ?? '');
    const work = workOf(topic, payload, packet.retain === true);
    if (!work) return callback();
    const done = apply(topic, work).then(
      () => callback(),
      (err: unknown) => {
        if (!(err instanceof ConnectionEnded)) log.error({ err, topic }, 'device message failed');
        callback(err instanceof Error ? err : new Error(String(err)));
      },
    );
    inFlight = done;
    void done.finally(() => {
      if (inFlight === done) inFlight = null;
    });
  };

  const original = client.handleMessage;
  client.handleMessage = handleMessage;
  client.on('connect', subscribe);
  client.on('close', onClose);
  if (client.connected) subscribe();

  return {
    /** The message being applied (if any) is committed or given up. */
    async idle(): Promise<void> {
      while (inFlight) await inFlight;
    },
    /**
     * Stops taking lounge events: unsubscribes first, so the broker hands this instance's
     * share to the others, then lets the message in hand finish (the client is the caller's).
     */
    async stop(): Promise<void> {
      stopped = true;
      client.off('connect', subscribe);
      if (client.connected) await client.unsubscribeAsync(Object.keys(filters)).catch(() => {});
      while (inFlight) await inFlight;
      client.off('close', onClose);
      client.handleMessage = original;
    },
  };
}

export type Subscriber = ReturnType<typeof startSubscriber>;
