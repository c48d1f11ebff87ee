// The fan-out floor: the same broker delivering a bare QoS 1 message to N plain mqtt.js
// clients in this process (no cloud, no outbox, no sync code, no SQLite), timed from the
// publish call to each client's receipt.
import mqtt, { type MqttClient } from 'mqtt';
import { pooled } from './fleet.ts';

const TOPIC = 'lounge/bench/fanout-floor';

/** Per-client latencies (ms) of `rounds` publishes to `n` subscribers. */
export async function fanOutFloor(
  url: string,
  login: { username: string; password: string },
  n: number,
  rounds: number,
): Promise<number[]> {
  const subs: MqttClient[] = await pooled(
    Array.from({ length: n }, (_, i) => i),
    50,
    async (i) => {
      const c = await mqtt.connectAsync(url, {
        ...login,
        clientId: `fanout-floor-${i}`,
        protocolVersion: 5,
        reconnectPeriod: 0,
      });
      await c.subscribeAsync(TOPIC, { qos: 1 });
      return c;
    },
  );
  const pub = await mqtt.connectAsync(url, { ...login, clientId: 'fanout-floor-pub' });
  const out: number[] = [];
  try {
    for (let r = 0; r < rounds; r++) {
      const arrivals = subs.map(
        (c) =>
          new Promise<number>((resolve) => c.once('message', () => resolve(performance.now()))),
      );
      const t0 = performance.now();
      await pub.publishAsync(TOPIC, JSON.stringify({ round: r }), { qos: 1 });
      for (const at of await Promise.all(arrivals)) out.push(at - t0);
    }
  } finally {
    await Promise.all([pub, ...subs].map((c) => c.endAsync().catch(() => undefined)));
  }
  return out;
}
