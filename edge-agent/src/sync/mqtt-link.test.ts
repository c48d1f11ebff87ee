import { EventEmitter } from 'node:events';
import type { MqttClient } from 'mqtt';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { MqttLink, reconnectDelay } from './mqtt-link.ts';

/** A deterministic PRNG in [0, 1) (mulberry32), so the fleet below is the same every run. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const o = { baseMs: 10_000, maxMs: 60_000 };

describe('reconnectDelay', () => {
  it('spreads the first retry over the whole first window, later ones over their upper half', () => {
    expect(reconnectDelay(0, { ...o, random: () => 0 })).toBe(0);
    expect(reconnectDelay(0, { ...o, random: () => 0.999999 })).toBe(9_999);
    expect(reconnectDelay(1, { ...o, random: () => 0 })).toBe(10_000);
    expect(reconnectDelay(2, { ...o, random: () => 0 })).toBe(20_000);
    expect(reconnectDelay(9, { ...o, random: () => 0.999999 })).toBe(59_999);
  });

  it('brings a fleet that lost its broker for 2 s back at no more than ~1/8 of it a second', () => {
    const random = seeded(19);
    const boxes = 1000;
    const downMs = 2000;
    const perSecond = new Map<number, number>();
    let last = 0;
    for (let i = 0; i < boxes; i++) {
      let t = 0;
      for (let attempt = 0; t < downMs; attempt++) t += reconnectDelay(attempt, { ...o, random });
      const s = Math.floor((t - downMs) / 1000);
      perSecond.set(s, (perSecond.get(s) ?? 0) + 1);
      last = Math.max(last, t - downMs);
    }
    // Equal jitter from 1 s brought ~750 of 1,000 back in the first second.
    expect(Math.max(...perSecond.values())).toBeLessThanOrEqual(boxes / 8);
    expect(last).toBeLessThanOrEqual(2.5 * o.baseMs);
  });
});

describe('MqttLink', () => {
  it('waits reconnectDelay before the next attempt after the connection closes', () => {
    const client = Object.assign(new EventEmitter(), { connected: false, end: () => client });
    const delays: number[] = [];
    const link = new MqttLink({
      url: 'mqtt://broker.test',
      clientId: 'dev_1',
      username: 'dev_1',
      password: 'pw',
      will: { topic: 't', payload: '{}' },
      subscriptions: [],
      reconnect: o,
      random: () => 0.5,
      timers: { setTimeout: (_fn, ms) => delays.push(ms), clearTimeout: () => undefined },
      log: pino({ level: 'silent' }),
      onConnect: () => undefined,
      onDisconnect: () => undefined,
      onMessage: () => undefined,
      connect: () => client as unknown as MqttClient,
    });
    link.start();
    client.emit('close');
    expect(delays).toEqual([5_000]);
  });
});
