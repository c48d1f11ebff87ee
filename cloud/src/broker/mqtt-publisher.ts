import mqtt, { type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import type { Publisher } from './publisher.ts';

export interface MqttConnectOptions {
  url: string;
  username?: string | undefined;
  password?: string | undefined;
  /** 5 for mosquitto; 4 for the embedded aedes broker (MQTT 3.1.1 only). */
  protocolVersion: 4 | 5;
  /** Stable per instance (client-id.ts): the key of its persistent session. */
  clientId: string;
  log: Logger;
}

/**
 * How long the broker keeps this instance's session (its shared-subscription share of lounge
 * events included) while it is away: a crashed instance that comes back within it, under the
 * same client id, gets every event it had not acknowledged (docs/mqtt.md).
 */
export const CLOUD_SESSION_EXPIRY_S = 7 * 24 * 3600;

/**
 * The cloud's broker connection (mqtt.js v5); reconnects on its own. A persistent session
 * (`clean: false`, MQTT 5 session expiry; aedes speaks 3.1.1, where `clean: false` alone
 * keeps it): lounge events are acknowledged only once recorded (subscriber.ts), and the
 * broker redelivers what was not acknowledged when the session comes back.
 */
export function connectMqtt(opts: MqttConnectOptions): MqttClient {
  const client = mqtt.connect(opts.url, {
    clientId: opts.clientId,
    username: opts.username,
    password: opts.password,
    protocolVersion: opts.protocolVersion,
    clean: false,
    ...(opts.protocolVersion === 5
      ? { properties: { sessionExpiryInterval: CLOUD_SESSION_EXPIRY_S } }
      : {}),
    reconnectPeriod: 1000,
    connectTimeout: 5000,
    // Without a connection a publish fails fast and the outbox keeps the row for a retry.
    queueQoSZero: false,
  });
  let wasConnected = false;
  client.on('connect', () => {
    wasConnected = true;
    opts.log.info({ url: opts.url }, 'connected to the MQTT broker');
  });
  client.on('offline', () => {
    if (wasConnected) opts.log.warn({ url: opts.url }, 'MQTT broker connection lost');
  });
  client.on('error', (err) => opts.log.warn({ err: err.message }, 'MQTT client error'));
  return client;
}

/**
 * Ends an mqtt.js client promptly in any state. Connected: a DISCONNECT, so the broker ends the
 * connection cleanly (the persistent session stays), with at most `graceMs` to finish before
 * the socket is cut. Connecting or reconnecting: mqtt.js's graceful `end()` would only queue
 * that DISCONNECT offline and call back, leaving the socket in its handshake open (a broker's
 * `close()` then waits on it, the embedded one included): forced, the socket is destroyed.
 * Nothing is lost either way: outbox rows stay in the database until PUBACKed, and lounge
 * events not yet acknowledged are redelivered on the session.
 */
export async function endMqttClient(client: MqttClient, graceMs = 1000): Promise<void> {
  if (!client.connected) return client.endAsync(true);
  let timer: NodeJS.Timeout | undefined;
  // A PUBACK or UNSUBACK that never comes (a dead link) holds `end()` back: cut it then.
  const cut = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      client.stream.destroy();
      resolve();
    }, graceMs);
  });
  try {
    await Promise.race([client.endAsync(), cut]);
  } finally {
    clearTimeout(timer);
  }
}

/** The outbox's MQTT port over an mqtt.js client: resolves on the broker's PUBACK. */
export function createMqttPublisher(
  client: MqttClient,
  opts: { publishTimeoutMs?: number; closeGraceMs?: number } = {},
): Publisher {
  const timeoutMs = opts.publishTimeoutMs ?? 5000;
  return {
    publish(topic, payload, { qos, retain }) {
      if (!client.connected) return Promise.reject(new Error('MQTT broker not connected'));
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('MQTT publish timed out')), timeoutMs);
        client.publish(topic, payload, { qos, retain }, (err) => {
          clearTimeout(timer);
          if (err) reject(err);
          else resolve();
        });
      });
    },
    connected: () => client.connected,
    close: () => endMqttClient(client, opts.closeGraceMs),
  };
}
