import { generateKeyPairSync } from 'node:crypto';
import type { Ed25519PrivateJwk } from '@lounge/shared';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { Enrollment } from '../../src/domain/enroll-device.ts';
import type { TestCloud } from './harness.ts';

/** A second lounge, for cross-lounge refusals. */
export const OTHER_LOUNGE = 'BCN-T1-MIRO';

/** Enrols a device through the real HTTP flow (enrolment token, then enroll). */
export async function enrollDevice(
  cloud: TestCloud,
  loungeId: string,
): Promise<Enrollment & { privateJwk: Ed25519PrivateJwk }> {
  const token = await cloud.call<{ token: string }>('POST', '/v1/enrollment-tokens', {
    body: { loungeId },
  });
  const { privateKey } = generateKeyPairSync('ed25519');
  const privateJwk = privateKey.export({ format: 'jwk' }) as Ed25519PrivateJwk;
  const { d: _d, ...publicKey } = privateJwk;
  const res = await cloud.call<Enrollment>('POST', '/v1/devices/enroll', {
    body: { publicKey },
    key: token.json.token,
  });
  if (res.status !== 201) throw new Error(`enrolment failed: ${res.text}`);
  return { ...res.json, privateJwk };
}

/** Adds the second lounge. */
export async function addOtherLounge(cloud: TestCloud): Promise<void> {
  const res = await cloud.call('PUT', `/v1/lounges/${OTHER_LOUNGE}`, {
    body: { airport: 'BCN', name: 'Miró', timezone: 'Europe/Madrid' },
  });
  if (res.status !== 200) throw new Error(`lounge not created: ${res.text}`);
}

/** Connects, or rejects with the broker's refusal; no reconnects so refusals are final. */
export async function connect(
  url: string,
  opts: IClientOptions & { protocolVersion: 4 | 5 },
): Promise<MqttClient> {
  const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5000, ...opts });
  try {
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
      client.once('close', () => reject(new Error('connection closed')));
    });
    return client;
  } catch (err) {
    client.end(true);
    throw err;
  }
}

/** Resolves when `client` closes (or false after `ms`). */
export const closes = (client: MqttClient, ms = 3000): Promise<boolean> =>
  new Promise((resolve) => {
    if (!client.connected) return resolve(true);
    const timer = setTimeout(() => resolve(false), ms);
    client.once('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });

/** Collects the messages a client receives. */
export function collect(client: MqttClient): { topic: string; payload: string }[] {
  const seen: { topic: string; payload: string }[] = [];
  client.on('message', (topic, payload) => seen.push({ topic, payload: payload.toString() }));
  return seen;
}

/** Polls `check` until it returns true (or throws after `ms`). */
export async function eventually(check: () => Promise<boolean> | boolean, ms = 5000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The count of `lounge_events_refused_total` per `channel:code`. */
export async function refusals(cloud: TestCloud): Promise<Record<string, number>> {
  const metric = cloud.deps.metrics.loungeEventsRefused;
  const { values } = await metric.get();
  return Object.fromEntries(values.map((v) => [`${v.labels.channel}:${v.labels.code}`, v.value]));
}
