import {
  deviceStatusSchema,
  entryEventSchema,
  TOPICS,
  type DeviceStatus,
  type EntryEvent,
} from '@lounge/shared';
import type { MqttClient } from 'mqtt';
import type { Logger } from 'pino';

/** What the cloud does with what devices publish (SPEC.md section 6). */
export interface IngestHandlers {
  status(deviceId: string, status: DeviceStatus): Promise<void>;
  entry(entry: EntryEvent): Promise<void>;
}

const STATUS_RE = /^lounge\/v1\/devices\/([^/]+)\/status$/;
const ENTRIES_RE = /^lounge\/v1\/lounges\/([^/]+)\/entries$/;

/**
 * Subscribes to device statuses (fleet `online`, `revocationSeq`) and lounge entry events
 * (entries recorded like `POST /v1/entries`). Both writes are idempotent, so several cloud
 * instances receiving the same message is harmless.
 */
export function subscribeIngest(client: MqttClient, handlers: IngestHandlers, log: Logger): void {
  const subscribe = () => {
    client.subscribe([TOPICS.allDeviceStatus, TOPICS.allLoungeEntries], { qos: 1 }, (err) => {
      if (err) log.warn({ err: err.message }, 'could not subscribe to device topics');
    });
  };
  client.on('connect', subscribe);
  if (client.connected) subscribe();
  client.on('message', (topic, payload) => {
    void handle(topic, payload).catch((err: unknown) =>
      log.warn({ err, topic }, 'device message not applied'),
    );
  });

  async function handle(topic: string, payload: Buffer): Promise<void> {
    const status = STATUS_RE.exec(topic);
    const entries = ENTRIES_RE.exec(topic);
    if (!status && !entries) return;
    let json: unknown;
    try {
      json = JSON.parse(payload.toString('utf8'));
    } catch {
      log.warn({ topic }, 'device message is not JSON');
      return;
    }
    if (status) {
      const parsed = deviceStatusSchema.safeParse(json);
      if (parsed.success) await handlers.status(status[1]!, parsed.data);
      else log.warn({ topic }, 'device status does not match the schema');
      return;
    }
    const parsed = entryEventSchema.safeParse(json);
    if (parsed.success) await handlers.entry(parsed.data);
    else log.warn({ topic }, 'entry event does not match the schema');
  }
}
