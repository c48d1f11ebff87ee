import { deviceStatusSchema, TOPICS, type Clock, type DeviceStatus } from '@lounge/shared';
import type { IClientSubscribeOptions, MqttClient } from 'mqtt';
import type { Logger } from 'pino';
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

/** What the subscriber needs. */
export interface SubscriberOptions {
  client: MqttClient;
  store: Pick<CloudStore, 'findDevice' | 'updateDeviceStatus'>;
  recordEvents: RecordEvents;
  clock: Clock;
  log: Logger;
  /**
   * MQTT 5 shared subscription for entries (external broker), so each entry event is handled
   * by one cloud instance. aedes has none: plain subscription (one instance only anyway).
   */
  shared: boolean;
  /** Entries recorded per store call (default 200). */
  batchSize?: number;
  /** How long a device's lounge is remembered between store reads (default 30 s). */
  cacheMs?: number;
}

const STATUS_RE = /^lounge\/v1\/devices\/([^/]+)\/status$/;
const ENTRIES_RE = /^lounge\/v1\/lounges\/([^/]+)\/entries$/;

/** The entries filter the cloud subscribes to (shared or plain). */
export const entriesFilter = (shared: boolean): string =>
  shared ? `$share/${CLOUD_SHARE_GROUP}/${TOPICS.allLoungeEntries}` : TOPICS.allLoungeEntries;

/**
 * The cloud side of what devices publish (SPEC.md section 6): lounge events go through the
 * checks and the use case of `POST /v1/entries` (an event's deviceId must be an active device
 * of the topic's lounge, a grant's invitation of that lounge; refusals are logged, counted
 * and dropped), and statuses update the fleet view (the topic must name an active device).
 */
export function startSubscriber(o: SubscriberOptions) {
  const { client, log } = o;
  const batchSize = o.batchSize ?? 200;
  const cacheMs = o.cacheMs ?? 30_000;
  const lounges = new Map<string, { loungeId: string | null; until: number }>();
  const queue: { loungeId: string; event: unknown }[] = [];
  let draining: Promise<void> | null = null;
  const filters: Record<string, IClientSubscribeOptions> = {
    [entriesFilter(o.shared)]: { qos: 1 },
    [TOPICS.allDeviceStatus]: { qos: 1 },
  };

  /** The lounge of an active device, null when unknown or decommissioned. */
  async function loungeOf(deviceId: string): Promise<string | null> {
    const hit = lounges.get(deviceId);
    if (hit && hit.until > o.clock.now()) return hit.loungeId;
    const device = await o.store.findDevice(deviceId);
    const loungeId = device && device.decommissionedAt === null ? device.loungeId : null;
    lounges.set(deviceId, { loungeId, until: o.clock.now() + cacheMs });
    return loungeId;
  }

  const subscribe = () =>
    client.subscribe(filters, (err) => {
      if (err) log.error({ err: err.message }, 'could not subscribe to device topics');
    });

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

  async function onStatus(deviceId: string, status: DeviceStatus, retained: boolean) {
    if ((await loungeOf(deviceId)) === null) {
      log.warn({ deviceId }, 'status from an unknown or decommissioned device dropped');
      return;
    }
    // A retained status is old news: its own `at` is when the device was last seen.
    const at = status.at === undefined ? NaN : Date.parse(status.at);
    const lastSeenAt = retained ? at : o.clock.now();
    await o.store.updateDeviceStatus(deviceId, {
      online: status.online,
      ...(Number.isFinite(lastSeenAt) ? { lastSeenAt } : {}),
      ...(status.revocationSeq === undefined ? {} : { revocationSeq: status.revocationSeq }),
    });
  }

  async function drain(): Promise<void> {
    while (queue.length > 0) {
      const batch = queue.splice(0, batchSize);
      // Node 20 has no Map.groupBy.
      const byLounge = new Map<string, unknown[]>();
      for (const q of batch) {
        const group = byLounge.get(q.loungeId) ?? [];
        group.push(q.event);
        byLounge.set(q.loungeId, group);
      }
      for (const [loungeId, events] of byLounge) {
        try {
          await recordBatch(loungeId, events);
        } catch (err) {
          log.error({ err, loungeId, count: events.length }, 'lounge events not recorded');
        }
      }
    }
  }

  async function recordBatch(loungeId: string, events: unknown[]): Promise<void> {
    const authors = new Set<string>();
    for (const e of events) {
      const deviceId = (e as { deviceId?: unknown } | null)?.deviceId;
      if (typeof deviceId === 'string' && (await loungeOf(deviceId)) === loungeId) {
        authors.add(deviceId);
      }
    }
    await o.recordEvents(loungeId, events, (deviceId) => authors.has(deviceId));
  }

  const onMessage = (topic: string, payload: Buffer, packet: { retain?: boolean }) => {
    const status = STATUS_RE.exec(topic);
    const entries = ENTRIES_RE.exec(topic);
    let work: Promise<void> | undefined;
    if (status) {
      const parsed = parse<DeviceStatus>(payload, deviceStatusSchema);
      if (parsed) work = onStatus(status[1]!, parsed, packet.retain === true);
      else log.warn({ topic }, 'device status dropped: not valid JSON of the status schema');
    } else if (entries) {
      // Not JSON: `undefined`, which the checks refuse (and count) as INVALID_EVENT.
      let event: unknown;
      try {
        event = JSON.parse(payload.toString('utf8'));
      } catch {
        event = undefined;
      }
      queue.push({ loungeId: entries[1]!, event });
      draining ??= drain().finally(() => (draining = null));
    }
    work?.catch((err: unknown) => log.error({ err, topic }, 'device message not applied'));
  };

  client.on('connect', subscribe);
  client.on('message', onMessage);
  if (client.connected) subscribe();

  return {
    /** Entries received and not yet recorded have been handed to the store. */
    async idle(): Promise<void> {
      while (draining) await draining;
    },
    /** Stops listening (the client itself belongs to the caller). */
    async stop(): Promise<void> {
      client.off('connect', subscribe);
      client.off('message', onMessage);
      if (client.connected) await client.unsubscribeAsync(Object.keys(filters)).catch(() => {});
      while (draining) await draining;
    },
  };
}

export type Subscriber = ReturnType<typeof startSubscriber>;
