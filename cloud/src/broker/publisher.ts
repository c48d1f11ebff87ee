/** The port the outbox publishes MQTT messages through (an mqtt.js client in production). */
export interface Publisher {
  /** Resolves once the broker acknowledged the message (QoS 1 PUBACK). */
  publish(topic: string, payload: string, opts: { qos: 1; retain: boolean }): Promise<void>;
  connected(): boolean;
  close(): Promise<void>;
}

/** A publisher that records messages in memory (tests, and a cloud without a broker). */
export function createMemoryPublisher(): Publisher & {
  messages: { topic: string; payload: string; retain: boolean }[];
  failing: boolean;
} {
  const messages: { topic: string; payload: string; retain: boolean }[] = [];
  const self = {
    messages,
    failing: false,
    async publish(topic: string, payload: string, opts: { qos: 1; retain: boolean }) {
      if (self.failing) throw new Error('broker unavailable');
      messages.push({ topic, payload, retain: opts.retain });
    },
    connected: () => !self.failing,
    async close() {},
  };
  return self;
}
