import {
  deviceStatusSchema,
  entryEventSchema,
  TOPICS,
  type Clock,
  type DeviceStatus,
  type EntryEvent,
} from '@lounge/shared';
import type { IClientSubscribeOptions, MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import type { CloudStore } from '../store/port.ts';
import { CLOUD_SHARE_GROUP } from './dynsec.ts';

/** What the subscriber needs; `recordEntries` is the `POST /v1/entries` use case. */
export interface SubscriberOptions {
  client: MqttClient;
  store: Pick<CloudStore, 'findDevice' | 'updateDeviceStatus'>;
  recordEntries: (entries: EntryEvent[]) => Promise<unknown>;
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
 * The cloud side of what devices publish (SPEC.md section 6): entry events are recorded like
 * `POST /v1/entries` (idempotent by eventId, invitations marked used, IBDP outbox rows) and
 * statuses update the fleet view. A device speaks only for itself: an entry's deviceId must
 * be an active device of the topic's lounge, a status topic must name an active device.
 */
export function startSubscriber(o: SubscriberOptions) {
  const { client, log } = o;
  const batchSize = o.batchSize ?? 200;
  const cacheMs = o.cacheMs ?? 30_000;
  const lounges = new Map<string, { loungeId: string | null; until: number }>();
  const queue: EntryEvent[] = [];
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

  async function onEntry(loungeId: string, entry: EntryEvent) {
    if ((await loungeOf(entry.deviceId)) !== loungeId) {
      log.warn({ loungeId, deviceId: entry.deviceId }, 'entry from a device not of this lounge');
      return;
    }
    queue.push(entry);
    draining ??= drain().finally(() => (draining = null));
  }

  async function drain(): Promise<void> {
    while (queue.length > 0) {
      const batch = queue.splice(0, batchSize);
      try {
        await o.recordEntries(batch);
      } catch (err) {
        log.error({ err, count: batch.length }, 'entry events not recorded');
      }
    }
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
      const parsed = parse<EntryEvent>(payload, entryEventSchema);
      if (parsed) work = onEntry(entries[1]!, parsed);
      else log.warn({ topic }, 'entry event dropped: not valid JSON of the entry schema');
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
