// Counts the boxes' heartbeats as the broker delivers them (a subscriber beside the cloud's).
import { TOPICS } from '@lounge/shared';
import mqtt from 'mqtt';

/** Subscribes to every device status; `count()` is the number of heartbeats seen so far. */
export async function watchHeartbeats(url: string, login: { username: string; password: string }) {
  const client = await mqtt.connectAsync(url, {
    ...login,
    clientId: 'fleet-bench-monitor',
    protocolVersion: 5,
  });
  let beats = 0;
  client.on('message', (_topic, payload, packet) => {
    // Retained copies are old statuses, not ingestion; a will has no `version`.
    if (!packet.retain && payload.includes('"version"')) beats++;
  });
  await client.subscribeAsync(TOPICS.deviceStatus('+'), { qos: 1 });
  return {
    count: () => beats,
    close: () => client.endAsync(),
  };
}
